// corobridge::task<T>: a lazily started C++20 coroutine that produces one T (or throws).
#pragma once

#include "corobridge/detail/config.hpp"  // first: stops a non-C++20 build with one message

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "corobridge/detail/abi.h"
#include "corobridge/detail/bridge_traits.hpp"
#include "corobridge/detail/exception_table.hpp"
#include "corobridge/detail/frame_pool.hpp"
#include "corobridge/detail/trampoline.hpp"

namespace corobridge {

template <typename T = void>
class task;

namespace detail {

inline std::atomic_ref<std::uint64_t> atomic_state(std::uint64_t& word) noexcept {
  return std::atomic_ref<std::uint64_t>(word);
}

/// Encodes an 8-byte aligned address as a state payload.
inline std::uint64_t pointer_payload(const void* p) noexcept {
  return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(p) >> 3)
         << COROBRIDGE_PAYLOAD_SHIFT;
}
template <typename T>
T* payload_pointer(std::uint64_t state) noexcept {
  return reinterpret_cast<T*>(static_cast<std::uintptr_t>(state >> COROBRIDGE_PAYLOAD_SHIFT) << 3);
}

/// What a C++ awaiter of a task leaves for the task to find at its final suspend.
struct task_link {
  std::coroutine_handle<> continuation;
  corobridge_waker* bounce = nullptr;  // a resumption queued to bound the stack depth

  task_link() noexcept = default;
  task_link(const task_link&) = delete;
  task_link& operator=(const task_link&) = delete;
  ~task_link() { release_waker(bounce); }
};

/// The part of a task promise that does not depend on T: one atomic state word.
class task_promise_base : public pooled_frame {
 public:
  task_promise_base() noexcept = default;
  task_promise_base(const task_promise_base&) = delete;
  task_promise_base& operator=(const task_promise_base&) = delete;
  ~task_promise_base() {
    if ((state_ & COROBRIDGE_STATE_ERROR) != 0) exception_table::erase(&state_);
  }

  /// The start of the body: it runs only when started by an awaiter, Rust or an executor
  /// (each attaches itself to the state word first). A body resumed through a bare
  /// `handle().resume()` finishes at once with a std::logic_error instead of running
  /// unsupervised, so a later `co_await`, `.await` or spawn reports the misuse.
  struct initial_awaiter {
    const task_promise_base* promise;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    void await_resume() const {
      if ((promise->load_state() & COROBRIDGE_KIND_MASK) == COROBRIDGE_KIND_NONE) {
        throw std::logic_error(
            "corobridge::task: resumed through handle() with nobody awaiting it; co_await "
            "it, .await it from Rust or spawn it instead");
      }
    }
  };
  initial_awaiter initial_suspend() const noexcept { return {this}; }

  void unhandled_exception() noexcept {
    exception_table::put(&state_, std::current_exception());
    atomic_state(state_).fetch_or(COROBRIDGE_STATE_ERROR, std::memory_order_acq_rel);
  }

  [[nodiscard]] std::uint64_t load_state() const noexcept {
    return atomic_state(const_cast<std::uint64_t&>(state_)).load(std::memory_order_acquire);
  }
  std::uint64_t& state_word() noexcept { return state_; }

  void rethrow_if_exception() const {
    if ((load_state() & COROBRIDGE_STATE_ERROR) != 0) {
      std::rethrow_exception(exception_table::get(&state_));
    }
  }

  /// Starts the task from the await_suspend of a C++ awaiter. Returns true if the awaiter
  /// stays suspended (the task resumes it later), false if the task already finished.
  bool start_awaited(std::coroutine_handle<> self, task_link& link) noexcept {
    auto state = atomic_state(state_);
    if (inline_start_depth >= max_inline_starts && queue_on_driver(self, link.bounce)) {
      state.store(COROBRIDGE_KIND_CPP | pointer_payload(&link), std::memory_order_release);
      return true;
    }
    state.store(COROBRIDGE_KIND_CPP | COROBRIDGE_STATE_STARTING | pointer_payload(&link),
                std::memory_order_release);
    ++inline_start_depth;
    self.resume();
    --inline_start_depth;
    // Only the thread that drives a frame writes its state word (see finish): a plain
    // read-modify-write is enough.
    const std::uint64_t before = state.load(std::memory_order_acquire);
    state.store(before & ~static_cast<std::uint64_t>(COROBRIDGE_STATE_STARTING),
                std::memory_order_release);
    return (before & COROBRIDGE_STATE_DONE) == 0;
  }

 protected:
  /// A step's end (a co_yield, or the final suspend when `self` is given): marks the step
  /// done and hands control to whoever waits.
  ///
  /// The state word is written only by the thread that drives the frame: the body (here,
  /// and unhandled_exception), and its awaiter or Rust owner while the frame is suspended
  /// (attaching a completion, clearing STARTING). Those never overlap, so a load and a
  /// release store replace an atomic read-modify-write; the release publishes the result
  /// to whichever thread later reads DONE.
  std::coroutine_handle<> finish(void* value, corobridge_write_fn write,
                                 std::coroutine_handle<> self = {}) noexcept {
    auto word = atomic_state(state_);
    const std::uint64_t state = word.load(std::memory_order_acquire);
    word.store(state | COROBRIDGE_STATE_DONE, std::memory_order_release);
    switch (state & COROBRIDGE_KIND_MASK) {
      case COROBRIDGE_KIND_CPP: {
        if ((state & COROBRIDGE_STATE_STARTING) != 0) {
          return std::noop_coroutine();  // the awaiter continues from its await_suspend
        }
        task_link* link = payload_pointer<task_link>(state);
        return bounded_transfer(link->continuation, link->bounce);
      }
      case COROBRIDGE_KIND_RUST: {
        auto* done = payload_pointer<corobridge_completion>(state);
        const bool failed = (state & COROBRIDGE_STATE_ERROR) != 0;
        const int release =
            done->complete(done, failed ? nullptr : value, failed ? nullptr : write, &state_);
        // Rust took the result and forgets the frame: nothing touches it after this.
        if (release != 0 && self) self.destroy();
        return std::noop_coroutine();
      }
      case COROBRIDGE_KIND_ROOT:
        corobridge_rs_root_finished(static_cast<std::uint32_t>(state >> COROBRIDGE_PAYLOAD_SHIFT),
                                    &state_);
        return std::noop_coroutine();
      default:
        return std::noop_coroutine();
    }
  }

 private:
  std::uint64_t state_ = 0;
};

template <typename Promise>
struct final_awaiter {
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) noexcept {
    return self.promise().on_final_suspend(self);
  }
  void await_resume() const noexcept {}
};

template <typename T>
class task_promise final : public task_promise_base {
 public:
  task<T> get_return_object() noexcept;
  final_awaiter<task_promise> final_suspend() noexcept { return {}; }

  template <typename U>
    requires std::is_convertible_v<U&&, T>
  void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    value_.emplace(std::forward<U>(value));
  }

  /// The value for an awaiter: `take` (a `co_await std::move(task)`, or any await of a
  /// move-only T) moves it out, after which every await throws; otherwise a copy, so that
  /// awaiting a finished task again gives the value again.
  T result(bool take) {
    rethrow_if_exception();
    if (!value_) {
      throw std::logic_error(
          "corobridge::task: its value was already moved out by an earlier co_await "
          "std::move(task) (or an await of a move-only value); keep the value from that "
          "await");
    }
    if constexpr (std::is_copy_constructible_v<T>) {
      if (!take) return *value_;
    }
    T value = std::move(*value_);
    value_.reset();
    return value;
  }

  std::coroutine_handle<> on_final_suspend(std::coroutine_handle<> self) noexcept {
    return finish(value_ ? &*value_ : nullptr, &write_value, self);
  }

 private:
  static void write_value(void* value, void* out) noexcept {
    bridge_traits<T>::write(out, std::move(*static_cast<T*>(value)));
  }

  std::optional<T> value_;
};

template <>
class task_promise<void> final : public task_promise_base {
 public:
  task<void> get_return_object() noexcept;
  final_awaiter<task_promise> final_suspend() noexcept { return {}; }
  void return_void() const noexcept {}
  void result(bool) const { rethrow_if_exception(); }
  std::coroutine_handle<> on_final_suspend(std::coroutine_handle<> self) noexcept {
    return finish(nullptr, nullptr, self);
  }
};

}  // namespace detail

/// A lazily started coroutine producing a `T` (`task<>` produces nothing).
///
/// Nothing runs until the task is awaited: `co_await` from another C++ coroutine (with
/// symmetric transfer, so arbitrarily long loops and chains of awaits do not grow the
/// stack), `.await` from Rust (as `corobridge::CppTask<T>`), or spawned on an executor.
/// An exception escaping the body is stored and rethrown at the awaiter. Move-only;
/// destroying a task that has not finished destroys its frame, running its locals'
/// destructors and unregistering whatever it was waiting on. The promise of a `task<>`
/// is 8 bytes.
template <typename T>
class [[nodiscard]] task {
 public:
  using promise_type = detail::task_promise<T>;
  using value_type = T;
  /// For cxx: a task is an owning (frame, state) pair, safe to relocate with memcpy.
  using IsRelocatable = std::true_type;

  task() noexcept = default;
  explicit task(promise_type& promise) noexcept
      : handle_(std::coroutine_handle<promise_type>::from_promise(promise)),
        state_(&promise.state_word()) {}
  task(task&& other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)),
        state_(std::exchange(other.state_, nullptr)) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, nullptr);
      state_ = std::exchange(other.state_, nullptr);
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() { reset(); }

  /// True if this object owns a coroutine.
  [[nodiscard]] bool valid() const noexcept { return static_cast<bool>(handle_); }
  /// True once the body has finished (returned or thrown).
  [[nodiscard]] bool done() const noexcept {
    return handle_ && (handle_.promise().load_state() & COROBRIDGE_STATE_DONE) != 0;
  }

  /// Destroys the coroutine now (if any).
  void reset() noexcept {
    if (handle_) {
      handle_.destroy();
      handle_ = nullptr;
      state_ = nullptr;
    }
  }

  /// Gives up ownership of the frame (to an executor or to Rust).
  [[nodiscard]] corobridge_task release() noexcept {
    return corobridge_task{std::exchange(handle_, nullptr).address(),
                           std::exchange(state_, nullptr)};
  }

  [[nodiscard]] std::coroutine_handle<promise_type> handle() const noexcept { return handle_; }

  /// Awaiter of `co_await task` (C++ coroutines only). `co_await task` on an lvalue gives
  /// a copy of the value (awaiting it again gives it again); `co_await std::move(task)` or
  /// a temporary moves the value out, and a later await of that task throws
  /// std::logic_error. A move-only value is always moved out.
  class awaiter : private detail::task_link {
   public:
    awaiter(std::coroutine_handle<promise_type> task, bool take) noexcept
        : task_(task), take_(take) {}
    bool await_ready() const {
      if (!task_) throw std::logic_error("corobridge::task: awaited an empty task");
      const std::uint64_t state = task_.promise().load_state();
      if ((state & COROBRIDGE_STATE_DONE) != 0) return true;
      if ((state & COROBRIDGE_KIND_MASK) != COROBRIDGE_KIND_NONE) {
        throw std::logic_error("corobridge::task: awaited a task that is already running");
      }
      return false;
    }
    bool await_suspend(std::coroutine_handle<> awaiting) noexcept {
      continuation = awaiting;
      return task_.promise().start_awaited(task_, *this);
    }
    T await_resume() { return task_.promise().result(take_); }

   private:
    std::coroutine_handle<promise_type> task_;
    bool take_;
  };

  awaiter operator co_await() const& noexcept { return awaiter{handle_, false}; }
  awaiter operator co_await() const&& noexcept { return awaiter{handle_, true}; }

 private:
  std::coroutine_handle<promise_type> handle_;
  std::uint64_t* state_ = nullptr;
};

namespace detail {

template <typename T>
task<T> task_promise<T>::get_return_object() noexcept {
  return task<T>{*this};
}

inline task<void> task_promise<void>::get_return_object() noexcept { return task<void>{*this}; }

}  // namespace detail

}  // namespace corobridge
