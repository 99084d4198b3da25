// The child coroutines behind when_all/when_any: each awaits one task and reports its
// completion to a shared counter, which hands control back to the awaiting coroutine.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "corobridge/detail/frame_pool.hpp"
#include "corobridge/task.hpp"
#include "corobridge/detail/trampoline.hpp"

namespace corobridge::detail {

/// What the children of a when_all/when_any report to, and how the awaiting coroutine
/// is handed back control: by the last child (when_all) or the first (when_any), and
/// never while it is still starting the children inside its await_suspend.
class child_counter {
 public:
  static constexpr std::size_t none = static_cast<std::size_t>(-1);

  child_counter(std::size_t children, bool first_wins) noexcept
      : first_wins_(first_wins), pending_(children + 1) {}
  child_counter(const child_counter&) = delete;
  child_counter& operator=(const child_counter&) = delete;
  ~child_counter() { release_waker(bounce_); }

  /// Called by the awaiting coroutine once it has started the children. True if it must
  /// suspend (the children it waits for are still running).
  bool arm(std::coroutine_handle<> awaiting) noexcept {
    awaiting_ = awaiting;
    if (first_wins_) {
      return (flags_.fetch_or(armed, std::memory_order_acq_rel) & fired) == 0;
    }
    return pending_.fetch_sub(1, std::memory_order_acq_rel) > 1;
  }

  /// Called by a child at its final suspend: the coroutine to continue with.
  std::coroutine_handle<> on_child_done(std::size_t index) noexcept {
    std::size_t expected = none;
    const bool won = winner_.compare_exchange_strong(expected, index, std::memory_order_acq_rel);
    if (first_wins_) {
      if (won && (flags_.fetch_or(fired, std::memory_order_acq_rel) & armed) != 0) {
        return bounded_transfer(awaiting_, bounce_);
      }
      return std::noop_coroutine();
    }
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      return bounded_transfer(awaiting_, bounce_);
    }
    return std::noop_coroutine();
  }

  /// The first child to finish (none yet: `none`).
  [[nodiscard]] std::size_t winner() const noexcept {
    return winner_.load(std::memory_order_acquire);
  }

 private:
  static constexpr std::uint8_t armed = 1;
  static constexpr std::uint8_t fired = 2;

  bool first_wins_;
  std::atomic<std::size_t> pending_;
  std::atomic<std::uint8_t> flags_{0};
  std::atomic<std::size_t> winner_{none};
  std::coroutine_handle<> awaiting_;
  corobridge_waker* bounce_ = nullptr;
};

/// Stored result of one child: its value (std::monostate for void) or its exception.
template <typename T>
using child_value_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

/// A child coroutine: awaits one task, keeps its outcome, reports to a counter.
template <typename T>
class child_task {
 public:
  struct promise_type : pooled_frame {
    child_counter* counter = nullptr;
    std::size_t index = 0;
    std::optional<child_value_t<T>> value;
    std::exception_ptr error;

    child_task get_return_object() noexcept {
      return child_task{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() const noexcept { return {}; }
    struct final_awaiter {
      bool await_ready() const noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> self) noexcept {
        auto& p = self.promise();
        return p.counter->on_child_done(p.index);
      }
      void await_resume() const noexcept {}
    };
    final_awaiter final_suspend() noexcept { return {}; }
    template <typename U>
    void return_value(U&& v) {
      value.emplace(std::forward<U>(v));
    }
    void unhandled_exception() noexcept { error = std::current_exception(); }
  };

  child_task() noexcept = default;
  explicit child_task(std::coroutine_handle<promise_type> h) noexcept : handle_(h) {}
  child_task(child_task&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  child_task& operator=(child_task&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  ~child_task() { reset(); }
  void reset() noexcept {
    if (handle_) std::exchange(handle_, nullptr).destroy();
  }

  /// Runs the child until it first suspends (or finishes).
  void start(child_counter& counter, std::size_t index) noexcept {
    auto& p = handle_.promise();
    p.counter = &counter;
    p.index = index;
    handle_.resume();
  }
  [[nodiscard]] bool done() const noexcept { return handle_ && handle_.done(); }
  promise_type& promise() noexcept { return handle_.promise(); }

  /// Rethrows the child's exception, or moves its value out.
  child_value_t<T> take() {
    auto& p = handle_.promise();
    if (p.error) std::rethrow_exception(p.error);
    return std::move(*p.value);
  }

 private:
  std::coroutine_handle<promise_type> handle_;
};

template <typename T>
child_task<T> make_child(task<T> t) {
  if constexpr (std::is_void_v<T>) {
    co_await t;
    co_return std::monostate{};
  } else {
    co_return co_await std::move(t);
  }
}

}  // namespace corobridge::detail
