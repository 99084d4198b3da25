// corobridge::async_event: a manual-reset event that any thread can set.
#pragma once

#include "corobridge/detail/config.hpp"  // first: stops a non-C++20 build with one message

#include <atomic>
#include <coroutine>
#include <mutex>

#include "corobridge/detail/abi.h"
#include "corobridge/detail/trampoline.hpp"
#include "corobridge/executor.hpp"

namespace corobridge {

/// A manual-reset event. Coroutines `co_await` it until `set()` is called, from any thread;
/// each waiter is then resumed by its own driver on its own thread (never inside `set()`).
/// Destroying a waiting coroutine unregisters it. The event must outlive its waiters.
class async_event {
 public:
  explicit async_event(bool initially_set = false) noexcept : set_(initially_set) {}
  async_event(const async_event&) = delete;
  async_event& operator=(const async_event&) = delete;

  /// Sets the event and wakes every waiter. Thread-safe.
  void set() noexcept {
    std::lock_guard lock(mutex_);
    set_.store(true, std::memory_order_release);
    for (awaiter* w = head_; w != nullptr; w = w->next_) {
      w->linked_ = false;
      corobridge_rs_waker_wake(w->waker_);
    }
    head_ = nullptr;
  }
  /// Clears the event; later awaits suspend again.
  void reset() noexcept { set_.store(false, std::memory_order_release); }
  [[nodiscard]] bool is_set() const noexcept { return set_.load(std::memory_order_acquire); }

  /// Awaiter of `co_await event`.
  class awaiter {
   public:
    explicit awaiter(async_event& event) noexcept : event_(&event) {}
    awaiter(const awaiter&) = delete;
    awaiter& operator=(const awaiter&) = delete;
    ~awaiter() {
      {
        std::lock_guard lock(event_->mutex_);
        if (linked_) event_->unlink(this);
      }
      detail::release_waker(waker_);
    }

    bool await_ready() const {
      if (event_->is_set()) return true;
      if (corobridge_rs_has_driver() == 0) {
        throw no_executor("corobridge: co_await on an async_event needs a corobridge executor");
      }
      return false;
    }
    bool await_suspend(std::coroutine_handle<> self) noexcept {
      std::lock_guard lock(event_->mutex_);
      if (event_->is_set()) return false;
      waker_ = corobridge_rs_waker_new(self.address());
      if (waker_ == nullptr) return false;
      next_ = event_->head_;
      if (next_ != nullptr) next_->prev_ = this;
      event_->head_ = this;
      linked_ = true;
      return true;
    }
    void await_resume() const noexcept {}

   private:
    friend class async_event;
    async_event* event_;
    awaiter* prev_ = nullptr;
    awaiter* next_ = nullptr;
    corobridge_waker* waker_ = nullptr;
    bool linked_ = false;
  };

  awaiter operator co_await() noexcept { return awaiter{*this}; }

 private:
  void unlink(awaiter* w) noexcept {
    if (w->prev_ != nullptr) w->prev_->next_ = w->next_;
    else head_ = w->next_;
    if (w->next_ != nullptr) w->next_->prev_ = w->prev_;
    w->linked_ = false;
  }

  std::mutex mutex_;
  std::atomic<bool> set_;
  awaiter* head_ = nullptr;
};

}  // namespace corobridge
