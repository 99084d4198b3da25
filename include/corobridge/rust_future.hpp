// corobridge::rust_future<T>: C++ co_awaits a Rust future.
#pragma once

#include "corobridge/detail/config.hpp"  // first: stops a non-C++20 build with one message

#include <coroutine>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "corobridge/detail/abi.h"
#include "corobridge/detail/rust_value.hpp"
#include "corobridge/executor.hpp"
#include "corobridge/rust_error.hpp"

namespace corobridge {

namespace detail {

/// Polls a Rust future or stream for a suspending coroutine and turns its outcome into a
/// value or an exception. Shared by rust_future and rust_stream.
template <typename T>
class rust_await {
 public:
  explicit rust_await(corobridge_rust_poll* poll) noexcept : poll_(poll) {}
  rust_await(const rust_await&) = delete;
  rust_await& operator=(const rust_await&) = delete;
  ~rust_await() {
    // A token exists only if the first poll was pending (or deferred).
    if (state_.token != nullptr) corobridge_rs_await_cancel(&state_);
  }

  bool await_ready() const {
    if (poll_ == nullptr) throw std::logic_error("corobridge: awaited an empty Rust future");
    return false;
  }
  bool await_suspend(std::coroutine_handle<> self) noexcept {
    state_.out = slot_.value_address();
    state_.message = slot_.message_address();
    return corobridge_rs_await_poll(poll_, self.address(), &state_) == COROBRIDGE_POLL_PENDING;
  }

 protected:
  /// The status after resumption; throws for errors, panics and a missing driver.
  std::uint8_t settle() {
    switch (state_.status) {
      case COROBRIDGE_POLL_READY:
        slot_.filled_value();
        return COROBRIDGE_POLL_READY;
      case COROBRIDGE_POLL_END:
        return COROBRIDGE_POLL_END;
      case COROBRIDGE_POLL_ERROR:
        slot_.filled_message();
        throw rust_error(slot_.take_message());
      case COROBRIDGE_POLL_PANIC:
        slot_.filled_message();
        throw rust_panic(slot_.take_message());
      case COROBRIDGE_POLL_NO_DRIVER:
        throw no_executor(
            "corobridge: a pending Rust future needs a driver (corobridge's executor, or a "
            "Rust future driving this C++ task) on this thread to wake it");
      default:
        throw std::logic_error("corobridge: a Rust future resumed its awaiter without a result");
    }
  }
  decltype(auto) take_value() { return slot_.take_value(); }

 private:
  corobridge_rust_poll* poll_;
  corobridge_rust_await state_{};
  rust_slot<T> slot_;
};

}  // namespace detail

/// A Rust future (`corobridge::RustFuture<T>` on the Rust side) owned by C++. `co_await` it
/// once from a C++20 coroutine: it is polled with a real `Waker`; while it is pending the
/// coroutine is suspended and later resumed through its driver's queue (never inside the
/// waker). `Err` arrives as `rust_error`, a panic as `rust_panic`. Destroying it (or the
/// coroutine awaiting it) drops the Rust future.
template <typename T>
class [[nodiscard]] rust_future {
 public:
  using value_type = T;
  /// For cxx: a single owning pointer, safe to relocate with memcpy.
  using IsRelocatable = std::true_type;

  rust_future() noexcept = default;
  explicit rust_future(corobridge_rust_poll* poll) noexcept : poll_(poll) {}
  rust_future(rust_future&& other) noexcept : poll_(std::exchange(other.poll_, nullptr)) {}
  rust_future& operator=(rust_future&& other) noexcept {
    if (this != &other) {
      reset();
      poll_ = std::exchange(other.poll_, nullptr);
    }
    return *this;
  }
  rust_future(const rust_future&) = delete;
  rust_future& operator=(const rust_future&) = delete;
  ~rust_future() { reset(); }

  [[nodiscard]] bool valid() const noexcept { return poll_ != nullptr; }
  /// Drops the Rust future now.
  void reset() noexcept {
    if (poll_ != nullptr) corobridge_rs_poll_drop(std::exchange(poll_, nullptr));
  }

  class awaiter : public detail::rust_await<T> {
   public:
    using detail::rust_await<T>::rust_await;
    T await_resume() {
      this->settle();
      if constexpr (std::is_void_v<T>) {
        this->take_value();
      } else {
        return this->take_value();
      }
    }
  };

  awaiter operator co_await() & noexcept { return awaiter{poll_}; }
  awaiter operator co_await() && noexcept { return awaiter{poll_}; }

 private:
  corobridge_rust_poll* poll_ = nullptr;
};

}  // namespace corobridge
