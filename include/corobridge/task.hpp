// corobridge::task<T>: a lazily started C++20 coroutine that produces one T (or throws).
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "corobridge/corobridge.h"
#include "corobridge/detail/bridge_traits.hpp"
#include "corobridge/detail/trampoline.hpp"

namespace corobridge {

template <typename T = void>
class task;

namespace detail {

/// corobridge_task_header.handoff: the handshake that lets a task that completes while
/// its awaiter is still inside await_suspend continue the awaiter without nesting a frame.
enum handoff_state : std::uint8_t {
  handoff_idle = 0,
  handoff_starting = 1,   // the awaiter is resuming the task inline
  handoff_completed = 2,  // the task finished (seen by whoever comes second)
  handoff_suspended = 3,  // the awaiter returned from await_suspend: the task must resume it
};

inline std::uint8_t atomic_exchange(std::uint8_t& field, std::uint8_t value) noexcept {
  return std::atomic_ref<std::uint8_t>(field).exchange(value, std::memory_order_acq_rel);
}

/// The part of a task promise that does not depend on T.
class task_promise_base : public corobridge_task_header {
 public:
  task_promise_base() noexcept : corobridge_task_header{} { root_slot = COROBRIDGE_NO_ROOT; }
  task_promise_base(const task_promise_base&) = delete;
  task_promise_base& operator=(const task_promise_base&) = delete;
  ~task_promise_base() { release_waker(bounce_); }

  std::suspend_always initial_suspend() noexcept { return {}; }

  struct final_awaiter {
    bool await_ready() const noexcept { return false; }
    template <typename Promise>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) noexcept {
      return static_cast<task_promise_base&>(self.promise()).on_final_suspend();
    }
    void await_resume() const noexcept {}
  };
  final_awaiter final_suspend() noexcept { return {}; }

  void unhandled_exception() noexcept { exception_ = std::current_exception(); }

  /// Starts this task from the await_suspend of `awaiting`. Returns true if `awaiting`
  /// stays suspended (the task will resume it), false if the task already finished.
  bool start_awaited(std::coroutine_handle<> self, std::coroutine_handle<> awaiting) noexcept {
    continuation_ = awaiting;
    if (inline_start_depth >= max_inline_starts && queue_on_driver(self, bounce_)) {
      handoff = handoff_suspended;
      return true;
    }
    handoff = handoff_starting;
    ++inline_start_depth;
    self.resume();
    --inline_start_depth;
    return atomic_exchange(handoff, handoff_suspended) != handoff_completed;
  }

  void rethrow_if_exception() const {
    if (exception_) std::rethrow_exception(exception_);
  }

  const std::exception_ptr& exception() const noexcept { return exception_; }

 private:
  std::coroutine_handle<> on_final_suspend() noexcept {
    std::atomic_ref<std::uint8_t>(status).store(
        exception_ ? COROBRIDGE_TASK_ERROR : COROBRIDGE_TASK_VALUE, std::memory_order_seq_cst);
    if (continuation_) {
      if (atomic_exchange(handoff, handoff_completed) == handoff_starting) {
        return std::noop_coroutine();  // the awaiter continues from its await_suspend
      }
      return bounded_transfer(continuation_, bounce_);
    }
    corobridge_completion* done =
        std::atomic_ref<corobridge_completion*>(completion).load(std::memory_order_seq_cst);
    if (done != nullptr) done->complete(done, this);
    return std::noop_coroutine();
  }

  std::coroutine_handle<> continuation_;
  std::exception_ptr exception_;
  corobridge_waker* bounce_ = nullptr;  // a resumption queued to bound the stack depth
};

template <typename T>
class task_promise final : public task_promise_base {
 public:
  task_promise() noexcept { take = &take_value; }

  task<T> get_return_object() noexcept;

  template <typename U>
    requires std::is_convertible_v<U&&, T>
  void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    value_.emplace(std::forward<U>(value));
  }

  T result() & {
    rethrow_if_exception();
    return *value_;
  }
  T result() && {
    rethrow_if_exception();
    return std::move(*value_);
  }

 private:
  static void take_value(corobridge_task_header* header, void* out) noexcept {
    auto& self = static_cast<task_promise&>(static_cast<task_promise_base&>(*header));
    bridge_traits<T>::write(out, std::move(*self.value_));
    self.value_.reset();
  }

  std::optional<T> value_;
};

template <>
class task_promise<void> final : public task_promise_base {
 public:
  task_promise() noexcept { take = &take_nothing; }
  task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void result() const { rethrow_if_exception(); }

 private:
  static void take_nothing(corobridge_task_header*, void*) noexcept {}
};

}  // namespace detail

/// A lazily started coroutine producing a `T` (`task<>` produces nothing).
///
/// Nothing runs until the task is awaited: `co_await` from another C++ coroutine (with
/// symmetric transfer, so arbitrarily long loops and chains of awaits do not grow the
/// stack), `.await` from Rust (as `corobridge::CppTask<T>`), or `spawn`ed on an executor.
/// An exception escaping the body is stored and rethrown at the awaiter. Move-only;
/// destroying a task that has not finished destroys its frame, running its locals'
/// destructors and unregistering whatever it was waiting on.
template <typename T>
class [[nodiscard]] task {
 public:
  using promise_type = detail::task_promise<T>;
  using value_type = T;
  /// For cxx: a task is a single owning pointer, safe to relocate with memcpy.
  using IsRelocatable = std::true_type;

  task() noexcept = default;
  explicit task(promise_type& promise) noexcept : header_(&promise) {}
  task(task&& other) noexcept : header_(std::exchange(other.header_, nullptr)) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      reset();
      header_ = std::exchange(other.header_, nullptr);
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() { reset(); }

  /// True if this object owns a coroutine.
  [[nodiscard]] bool valid() const noexcept { return header_ != nullptr; }
  /// True once the body has finished (returned or thrown).
  [[nodiscard]] bool done() const noexcept {
    return header_ != nullptr &&
           std::atomic_ref<std::uint8_t>(header_->status).load(std::memory_order_acquire) !=
               COROBRIDGE_TASK_PENDING;
  }

  /// Destroys the coroutine now (if any).
  void reset() noexcept {
    if (header_ != nullptr) {
      handle().destroy();
      header_ = nullptr;
    }
  }

  /// Gives up ownership of the frame (to an executor or to Rust).
  [[nodiscard]] corobridge_task_header* release() noexcept { return std::exchange(header_, nullptr); }
  /// The header shared with the Rust runtime (null if empty).
  [[nodiscard]] corobridge_task_header* header() const noexcept { return header_; }

  [[nodiscard]] std::coroutine_handle<promise_type> handle() const noexcept {
    return std::coroutine_handle<promise_type>::from_promise(promise());
  }

  class awaiter {
   public:
    explicit awaiter(corobridge_task_header* header) noexcept : header_(header) {}
    bool await_ready() const {
      if (header_ == nullptr) throw std::logic_error("corobridge::task: awaited an empty task");
      if (std::atomic_ref<std::uint8_t>(header_->status).load(std::memory_order_acquire) !=
          COROBRIDGE_TASK_PENDING) {
        return true;  // already finished (awaiting it again yields the moved-from result)
      }
      if (header_->handoff != detail::handoff_idle) {
        throw std::logic_error("corobridge::task: awaited a task that is already running");
      }
      return false;
    }
    bool await_suspend(std::coroutine_handle<> awaiting) noexcept {
      auto& p = promise();
      return p.start_awaited(std::coroutine_handle<promise_type>::from_promise(p), awaiting);
    }
    T await_resume() { return std::move(promise()).result(); }

   private:
    promise_type& promise() const noexcept {
      return static_cast<promise_type&>(static_cast<detail::task_promise_base&>(*header_));
    }
    corobridge_task_header* header_;
  };

  awaiter operator co_await() const& noexcept { return awaiter{header_}; }
  awaiter operator co_await() const&& noexcept { return awaiter{header_}; }

 private:
  promise_type& promise() const noexcept {
    return static_cast<promise_type&>(static_cast<detail::task_promise_base&>(*header_));
  }

  corobridge_task_header* header_ = nullptr;
};

namespace detail {

template <typename T>
task<T> task_promise<T>::get_return_object() noexcept {
  frame = std::coroutine_handle<task_promise>::from_promise(*this).address();
  return task<T>{*this};
}

inline task<void> task_promise<void>::get_return_object() noexcept {
  frame = std::coroutine_handle<task_promise>::from_promise(*this).address();
  return task<void>{*this};
}

}  // namespace detail

}  // namespace corobridge
