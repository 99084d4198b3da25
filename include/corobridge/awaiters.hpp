// Awaitables that suspend a C++ coroutine until something happens, always resuming it on
// the thread of whoever drives it (never inline in a waker or on a foreign thread):
//   co_await corobridge::sleep_for(10ms);   // a timer on the executor's clock
//   co_await corobridge::yield();           // let other ready work run first
//   int v = co_await some_std_future;       // std::future / std::shared_future
#pragma once

#include "corobridge/detail/config.hpp"  // first: stops a non-C++20 build with one message

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <utility>

#include "corobridge/detail/abi.h"
#include "corobridge/detail/timer_window.hpp"
#include "corobridge/detail/trampoline.hpp"
#include "corobridge/detail/waiter_pool.hpp"
#include "corobridge/executor.hpp"

namespace corobridge {

/// Awaiter of `sleep_for`/`sleep_until`: a timer in the queue of the executor running
/// this coroutine, or, for a task awaited from Rust under another executor (tokio,
/// futures' block_on), a timer of that task's driver, woken by tokio's timer or by
/// corobridge's one timer thread. 16 bytes (the size of the seed's own awaitable).
/// Destroying the coroutine while it waits removes the timer. Throws `no_executor` from
/// the `co_await` when nothing drives the coroutine, and from `sleep_until` (an absolute
/// deadline on an executor's clock) under another executor.
class [[nodiscard]] sleep_awaiter {
 public:
  explicit sleep_awaiter(std::chrono::nanoseconds amount, bool absolute = false,
                         const void* hint = nullptr) noexcept {
    // Until registration the id holds the amount (bit 63 marks a deadline) in `position`
    // and the hint's address in `lane` and `executor`.
    id_.position = static_cast<std::uint64_t>(amount.count()) | (absolute ? absolute_bit : 0);
    const auto bits = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(hint));
    id_.lane = static_cast<std::uint32_t>(bits);
    id_.executor = static_cast<std::uint32_t>(bits >> 32);
  }
  sleep_awaiter(const sleep_awaiter&) = delete;
  sleep_awaiter& operator=(const sleep_awaiter&) = delete;
  ~sleep_awaiter() {
    // Only a registered timer (the frame destroyed while it waits) has an executor key
    // here: await_resume clears it.
    if (id_.executor != 0) corobridge_rs_timer_cancel(&id_);
  }

  bool await_ready() const noexcept {
    return (id_.position & absolute_bit) == 0 && static_cast<std::int64_t>(id_.position) <= 0;
  }
  bool await_suspend(std::coroutine_handle<> self) noexcept {
    const bool absolute = (id_.position & absolute_bit) != 0;
    const auto amount = static_cast<std::int64_t>(id_.position & ~absolute_bit);
    const auto* hint = reinterpret_cast<const void*>(static_cast<std::uintptr_t>(
        (static_cast<std::uint64_t>(id_.executor) << 32) | id_.lane));
    if (!absolute && detail::timer_window_add(amount, self.address(), hint, id_)) return true;
    const int rc = absolute ? corobridge_rs_timer_add_at(amount, self.address(), hint, &id_)
                            : corobridge_rs_timer_add_after(amount, self.address(), hint, &id_);
    if (rc != 0) {
      id_.executor = 0;
      // Hints are 8-byte aligned: never these values.
      id_.lane = rc == -2 ? clockless_marker : failed_marker;
      return false;
    }
    return true;
  }
  void await_resume() {
    // A registration that failed left a marker beside a zero executor key (as does a
    // zero-length sleep without a hint, which never registered): one test on the way.
    if (id_.executor == 0) [[unlikely]] {
      throw_if_failed(id_.lane);
    }
    id_.executor = 0;  // fired (or never needed): nothing to cancel
  }

 private:
  static constexpr std::uint64_t absolute_bit = std::uint64_t{1} << 63;
  static constexpr std::uint32_t failed_marker = 0xfffffffeu;
  static constexpr std::uint32_t clockless_marker = 0xfffffffdu;

  /// Throws what a failed registration's `marker` says (nothing for another lane value).
  [[gnu::cold, gnu::noinline]] static void throw_if_failed(std::uint32_t marker) {
    if (marker == failed_marker) {
      throw no_executor(
          "corobridge: sleep_for/GameTimer::wait_for needs a driver: a corobridge executor, or "
          "a C++ task awaited from Rust under any executor");
    }
    if (marker == clockless_marker) {
      throw no_executor(
          "corobridge: sleep_until needs a corobridge executor's clock (absolute deadlines, "
          "virtual time); under another executor use sleep_for");
    }
  }
  corobridge_timer_id id_{};
};

static_assert(sizeof(sleep_awaiter) == 16, "the timer awaiter is as small as the seed's");

/// Suspends for `delay` on the clock of the executor running the coroutine.
///
/// (A template rather than a `nanoseconds` parameter: a converted argument would be a
/// temporary that GCC keeps in the coroutine frame for the whole suspension.)
template <typename Rep, typename Period>
sleep_awaiter sleep_for(std::chrono::duration<Rep, Period> delay) noexcept {
  return sleep_awaiter{std::chrono::duration_cast<std::chrono::nanoseconds>(delay)};
}
/// As `sleep_for`, with a prefetch hint: `hot` is a pointer variable of the coroutine (a
/// local kept across its suspensions, not a temporary) to the data it touches when it
/// resumes. When corobridge's executor resumes many coroutines from its timer queue in an
/// order unrelated to where their data lives, it prefetches that data a few resumptions
/// ahead. A hint never changes behaviour. (The hint is taken by reference so that no
/// temporary joins the coroutine frame.)
template <typename Rep, typename Period, typename T>
sleep_awaiter sleep_for(std::chrono::duration<Rep, Period> delay, T* const& hot) noexcept {
  return sleep_awaiter{std::chrono::duration_cast<std::chrono::nanoseconds>(delay), false,
                       static_cast<const void*>(&hot)};
}
/// Suspends until `deadline` on the clock of the executor running the coroutine.
inline sleep_awaiter sleep_until(executor_clock::time_point deadline) noexcept {
  return sleep_awaiter{deadline.time_since_epoch(), true};
}

/// Awaiter of `yield()`: requeues the coroutine behind the work that is already ready.
class [[nodiscard]] yield_awaiter {
 public:
  yield_awaiter() noexcept = default;
  yield_awaiter(const yield_awaiter&) = delete;
  yield_awaiter& operator=(const yield_awaiter&) = delete;
  ~yield_awaiter() {
    if (node_.queue != nullptr) corobridge_rs_unschedule(&node_);
  }
  bool await_ready() const noexcept { return false; }
  /// Without a driver on this thread there is nothing to yield to: continue at once.
  bool await_suspend(std::coroutine_handle<> self) noexcept {
    node_.frame = self.address();
    node_.kind = COROBRIDGE_NODE_FRAME;
    return corobridge_rs_schedule(&node_) == 0;
  }
  void await_resume() const noexcept {}

 private:
  corobridge_sched_node node_{};
};

/// Lets other ready coroutines and futures run, then continues.
inline yield_awaiter yield() noexcept { return {}; }

namespace detail {

template <typename Future>
struct future_result {
  using type = decltype(std::declval<Future&>().get());
};

/// A std::future (or shared_future) moved into the waiter pool's keeping, so that the
/// pool never points into a coroutine frame that may be destroyed meanwhile.
template <typename Future>
class future_wait final : public pool_wait {
 public:
  explicit future_wait(Future&& future) noexcept : future_(std::move(future)) {}
  bool wait_ready(std::chrono::milliseconds timeout) override {
    return future_.wait_for(timeout) == std::future_status::ready;
  }
  Future& future() noexcept { return future_; }

 private:
  Future future_;
};

}  // namespace detail

/// Awaiter for `std::future<T>` and `std::shared_future<T>`. Does not start a thread per
/// await: a bounded shared waiter pool watches the future and wakes the coroutine on its
/// own executor's thread. The awaited future is moved into the pool's keeping when the
/// coroutine suspends (read the result from the `co_await` expression).
template <typename Future>
class [[nodiscard]] future_awaiter {
 public:
  explicit future_awaiter(Future& source) noexcept : source_(&source) {}
  explicit future_awaiter(Future&& source) noexcept
      : owned_(std::move(source)), source_(&*owned_) {}
  future_awaiter(const future_awaiter&) = delete;
  future_awaiter& operator=(const future_awaiter&) = delete;
  ~future_awaiter() { detail::release_waker(waker_); }

  bool await_ready() {
    if (!source_->valid()) throw std::future_error(std::future_errc::no_state);
    if (source_->wait_for(std::chrono::seconds(0)) == std::future_status::ready) return true;
    if (corobridge_rs_has_driver() == 0) {
      throw no_executor("corobridge: co_await on a std::future needs a corobridge executor");
    }
    return false;
  }
  void await_suspend(std::coroutine_handle<> self) {
    waker_ = corobridge_rs_waker_new(self.address());
    wait_ = std::make_shared<detail::future_wait<Future>>(std::move(*source_));
    wait_->set_waker(corobridge_rs_waker_retain(waker_));
    detail::submit_to_waiter_pool(wait_);
  }
  decltype(auto) await_resume() {
    if (wait_) return wait_->future().get();
    return source_->get();
  }

 private:
  std::optional<Future> owned_;
  Future* source_;
  std::shared_ptr<detail::future_wait<Future>> wait_;
  corobridge_waker* waker_ = nullptr;
};

template <typename T>
future_awaiter<std::future<T>> operator co_await(std::future<T>& f) noexcept {
  return future_awaiter<std::future<T>>{f};
}
template <typename T>
future_awaiter<std::future<T>> operator co_await(std::future<T>&& f) noexcept {
  return future_awaiter<std::future<T>>{std::move(f)};
}
template <typename T>
future_awaiter<std::shared_future<T>> operator co_await(std::shared_future<T>& f) noexcept {
  return future_awaiter<std::shared_future<T>>{f};
}
template <typename T>
future_awaiter<std::shared_future<T>> operator co_await(std::shared_future<T>&& f) noexcept {
  return future_awaiter<std::shared_future<T>>{std::move(f)};
}

}  // namespace corobridge
