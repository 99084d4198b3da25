// corobridge::generator<T>: a synchronous, lazily started sequence of values (co_yield).
#pragma once

#include "corobridge/detail/config.hpp"  // first: stops a non-C++20 build with one message

#include <coroutine>
#include <cstdint>
#include <exception>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "corobridge/detail/abi.h"
#include "corobridge/detail/bridge_traits.hpp"
#include "corobridge/detail/exception_info.hpp"
#include "corobridge/detail/frame_pool.hpp"

namespace corobridge {

template <typename T>
class generator;

namespace detail {

template <typename T>
class generator_promise final : public corobridge_generator_header, public pooled_frame {
 public:
  generator_promise() noexcept : corobridge_generator_header{} { next = &next_value; }

  generator<T> get_return_object() noexcept;
  std::suspend_always initial_suspend() const noexcept { return {}; }
  std::suspend_always final_suspend() const noexcept { return {}; }

  template <typename U = T>
    requires std::is_convertible_v<U&&, T>
  std::suspend_always yield_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    value_.emplace(std::forward<U>(value));
    return {};
  }
  void return_void() const noexcept {}
  void unhandled_exception() noexcept { exception_ = std::current_exception(); }

  // Only co_yield suspends a generator: co_await is not allowed in its body.
  template <typename U>
  std::suspend_never await_transform(U&&) = delete;

  /// Resumes the body until the next value or the end; rethrows the body's exception.
  void advance() {
    value_.reset();
    std::coroutine_handle<generator_promise>::from_promise(*this).resume();
    if (exception_) std::rethrow_exception(std::exchange(exception_, nullptr));
  }
  [[nodiscard]] bool finished() const noexcept {
    return std::coroutine_handle<generator_promise>::from_promise(
               const_cast<generator_promise&>(*this))
        .done();
  }
  /// The current value; std::logic_error at the end (no value to read).
  T& value() {
    if (!value_) {
      throw std::logic_error("corobridge::generator: dereferenced an iterator at the end");
    }
    return *value_;
  }

 private:
  static std::uint8_t next_value(corobridge_generator_header* header, void* out,
                                 corobridge_error_sink* sink) noexcept {
    auto& self = static_cast<generator_promise&>(*header);
    if (self.finished()) return COROBRIDGE_GEN_DONE;
    try {
      self.advance();
    } catch (...) {
      describe_current_exception(sink);
      return COROBRIDGE_GEN_ERROR;
    }
    if (self.finished()) return COROBRIDGE_GEN_DONE;
    bridge_traits<T>::write(out, std::move(*self.value_));
    return COROBRIDGE_GEN_VALUE;
  }

  std::optional<T> value_;
  std::exception_ptr exception_;
};

}  // namespace detail

/// A lazily started sequence of `T` produced with `co_yield`.
///
/// Consume it with range-for (`for (auto v : gen)`), or from Rust as an `Iterator`
/// (`corobridge::CppGenerator<T>`). An exception thrown by the body is rethrown to the
/// consumer by `begin()`/`++it` (and ends the sequence). Move-only; destroying it
/// destroys the suspended body.
template <typename T>
class [[nodiscard]] generator {
 public:
  using promise_type = detail::generator_promise<T>;
  using value_type = T;
  /// For cxx: a generator is a single owning pointer, safe to relocate with memcpy.
  using IsRelocatable = std::true_type;

  class sentinel {};

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using difference_type = std::ptrdiff_t;
    using value_type = T;
    using reference = T&;
    using pointer = T*;

    iterator() noexcept = default;
    explicit iterator(promise_type* promise) noexcept : promise_(promise) {}
    /// The current value; std::logic_error at the end.
    reference operator*() const { return live("dereferenced").value(); }
    pointer operator->() const { return &live("dereferenced").value(); }
    /// The next value; std::logic_error at the end.
    iterator& operator++() {
      live("incremented").advance();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, sentinel) noexcept {
      return it.promise_ == nullptr || it.promise_->finished();
    }

   private:
    promise_type& live(const char* what) const {
      if (promise_ == nullptr || promise_->finished()) {
        throw std::logic_error(std::string("corobridge::generator: ") + what +
                               " an iterator at the end");
      }
      return *promise_;
    }

    promise_type* promise_ = nullptr;
  };

  generator() noexcept = default;
  explicit generator(promise_type& promise) noexcept : header_(&promise) {}
  generator(generator&& other) noexcept : header_(std::exchange(other.header_, nullptr)) {}
  generator& operator=(generator&& other) noexcept {
    if (this != &other) {
      reset();
      header_ = std::exchange(other.header_, nullptr);
    }
    return *this;
  }
  generator(const generator&) = delete;
  generator& operator=(const generator&) = delete;
  ~generator() { reset(); }

  /// Starts (or continues) the body up to its first value.
  iterator begin() {
    promise_type* p = promise();
    if (p != nullptr && !p->finished()) p->advance();
    return iterator{p};
  }
  sentinel end() const noexcept { return {}; }

  /// Destroys the body now (if any).
  void reset() noexcept {
    if (promise_type* p = promise()) {
      std::coroutine_handle<promise_type>::from_promise(*p).destroy();
      header_ = nullptr;
    }
  }
  /// Gives up ownership of the frame (to Rust).
  [[nodiscard]] corobridge_generator_header* release() noexcept {
    return std::exchange(header_, nullptr);
  }

 private:
  promise_type* promise() const noexcept { return static_cast<promise_type*>(header_); }

  corobridge_generator_header* header_ = nullptr;
};

namespace detail {
template <typename T>
generator<T> generator_promise<T>::get_return_object() noexcept {
  frame = std::coroutine_handle<generator_promise>::from_promise(*this).address();
  return generator<T>{*this};
}
}  // namespace detail

}  // namespace corobridge
