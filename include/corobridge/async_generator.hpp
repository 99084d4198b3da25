// corobridge::async_generator<T>: a lazily started sequence whose body may co_await
// (timers, Rust futures, other tasks) between its co_yields.
#pragma once

#include "corobridge/detail/config.hpp"  // first: stops a non-C++20 build with one message

#include <coroutine>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "corobridge/detail/abi.h"
#include "corobridge/detail/bridge_traits.hpp"
#include "corobridge/task.hpp"

namespace corobridge {

template <typename T>
class async_generator;

namespace detail {

/// The promise of an async generator: a task promise whose every co_yield completes a
/// "step" the way a task's end does (resuming a C++ consumer, or telling Rust), after
/// which the consumer starts the next step.
template <typename T>
class async_generator_promise final : public task_promise_base {
 public:
  async_generator<T> get_return_object() noexcept;
  final_awaiter<async_generator_promise> final_suspend() noexcept { return {}; }
  void return_void() const noexcept {}

  struct yield_awaiter {
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(
        std::coroutine_handle<async_generator_promise> self) noexcept {
      auto& promise = self.promise();
      return promise.finish(&*promise.value_, &write_value);
    }
    void await_resume() const noexcept {}
  };

  template <typename U = T>
    requires std::is_convertible_v<U&&, T>
  yield_awaiter yield_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    value_.emplace(std::forward<U>(value));
    return {};
  }

  std::coroutine_handle<> on_final_suspend(std::coroutine_handle<> self) noexcept {
    value_.reset();
    return finish(nullptr, nullptr, self);
  }

  /// Before a step: forget the previous item.
  void begin_step() noexcept { value_.reset(); }
  std::optional<T>& item() noexcept { return value_; }

 private:
  static void write_value(void* value, void* out) noexcept {
    bridge_traits<T>::write(out, std::move(*static_cast<T*>(value)));
  }

  std::optional<T> value_;
};

}  // namespace detail

/// A lazily started coroutine producing a sequence of `T` with `co_yield`, which may
/// `co_await` between items (a timer, a Rust future, another task).
///
/// From C++: `while (auto item = co_await gen.next()) use(*item);`. From Rust it is a
/// `futures_core::Stream` (`corobridge::CppAsyncGenerator<T>`). An exception thrown by the
/// body is rethrown by the `next()` that meets it (and ends the sequence). Move-only;
/// destroying it destroys the body wherever it is suspended.
template <typename T>
class [[nodiscard]] async_generator {
  static_assert(!std::is_void_v<T> && !std::is_reference_v<T>);

 public:
  using promise_type = detail::async_generator_promise<T>;
  using value_type = T;
  /// For cxx: an owning (frame, state) pair, safe to relocate with memcpy.
  using IsRelocatable = std::true_type;

  async_generator() noexcept = default;
  explicit async_generator(promise_type& promise) noexcept
      : handle_(std::coroutine_handle<promise_type>::from_promise(promise)),
        state_(&promise.state_word()) {}
  async_generator(async_generator&& other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)),
        state_(std::exchange(other.state_, nullptr)) {}
  async_generator& operator=(async_generator&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, nullptr);
      state_ = std::exchange(other.state_, nullptr);
    }
    return *this;
  }
  async_generator(const async_generator&) = delete;
  async_generator& operator=(const async_generator&) = delete;
  ~async_generator() { reset(); }

  [[nodiscard]] bool valid() const noexcept { return static_cast<bool>(handle_); }
  void reset() noexcept {
    if (handle_) {
      handle_.destroy();
      handle_ = nullptr;
      state_ = nullptr;
    }
  }

  /// Awaiter of `next()`: the next item, or nullopt once the body has returned.
  class next_awaiter : private detail::task_link {
   public:
    explicit next_awaiter(std::coroutine_handle<promise_type> generator) noexcept
        : generator_(generator) {}
    bool await_ready() const {
      if (!generator_) throw std::logic_error("corobridge::async_generator: empty generator");
      return generator_.done();
    }
    bool await_suspend(std::coroutine_handle<> awaiting) noexcept {
      continuation = awaiting;
      generator_.promise().begin_step();
      return generator_.promise().start_awaited(generator_, *this);
    }
    std::optional<T> await_resume() {
      auto& promise = generator_.promise();
      promise.rethrow_if_exception();
      if (generator_.done()) return std::nullopt;
      return std::exchange(promise.item(), std::nullopt);
    }

   private:
    std::coroutine_handle<promise_type> generator_;
  };

  next_awaiter next() noexcept { return next_awaiter{handle_}; }

 private:
  std::coroutine_handle<promise_type> handle_;
  std::uint64_t* state_ = nullptr;
};

namespace detail {
template <typename T>
async_generator<T> async_generator_promise<T>::get_return_object() noexcept {
  return async_generator<T>{*this};
}
}  // namespace detail

}  // namespace corobridge
