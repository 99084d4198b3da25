// corobridge::rust_stream<T>: C++ consumes a Rust stream.
#pragma once

#include "corobridge/detail/config.hpp"  // first: stops a non-C++20 build with one message

#include <optional>
#include <type_traits>
#include <utility>

#include "corobridge/rust_future.hpp"

namespace corobridge {

/// A Rust stream (`corobridge::RustStream<T>`) owned by C++:
///
///     while (auto value = co_await stream.next()) use(*value);
///
/// Each `next()` polls the stream once with a real `Waker` and suspends while it is
/// pending. An `Err` item of a fallible stream is thrown as `rust_error` by the `next()`
/// that receives it; a panic as `rust_panic`. Destroying it drops the Rust stream.
template <typename T>
class [[nodiscard]] rust_stream {
  static_assert(!std::is_void_v<T>, "a stream of () carries nothing: use a stream of bool");

 public:
  using value_type = T;
  using IsRelocatable = std::true_type;

  rust_stream() noexcept = default;
  explicit rust_stream(corobridge_rust_poll* poll) noexcept : poll_(poll) {}
  rust_stream(rust_stream&& other) noexcept : poll_(std::exchange(other.poll_, nullptr)) {}
  rust_stream& operator=(rust_stream&& other) noexcept {
    if (this != &other) {
      reset();
      poll_ = std::exchange(other.poll_, nullptr);
    }
    return *this;
  }
  rust_stream(const rust_stream&) = delete;
  rust_stream& operator=(const rust_stream&) = delete;
  ~rust_stream() { reset(); }

  [[nodiscard]] bool valid() const noexcept { return poll_ != nullptr; }
  void reset() noexcept {
    if (poll_ != nullptr) corobridge_rs_poll_drop(std::exchange(poll_, nullptr));
  }

  /// Awaiter of `next()`: the next item, or nullopt once the stream has ended.
  class next_awaiter : public detail::rust_await<T> {
   public:
    using detail::rust_await<T>::rust_await;
    std::optional<T> await_resume() {
      if (this->settle() == COROBRIDGE_POLL_END) return std::nullopt;
      return std::optional<T>(this->take_value());
    }
  };

  next_awaiter next() noexcept { return next_awaiter{poll_}; }

 private:
  corobridge_rust_poll* poll_ = nullptr;
};

}  // namespace corobridge
