// Bounded native-stack depth for chains of coroutines.
//
// GCC only turns symmetric transfer into a tail call when sibling-call optimisation is on
// (-O2); at -O0 every transfer nests a native frame. Two per-thread counters bound the
// nesting whatever the optimisation level: after too many nested starts or transfers the
// next resumption is queued on the thread's driver (corobridge's executor, or the Rust
// future that drives the task) instead of being called inline. Without a driver (plain C++
// resuming by hand) the resumption stays inline.
#pragma once

#include <coroutine>

#include "corobridge/detail/abi.h"

namespace corobridge::detail {

/// Nested inline task starts allowed before a start is queued instead.
inline constexpr unsigned max_inline_starts = 64;
/// Symmetric transfers allowed within one driver resumption before one is queued.
inline constexpr unsigned max_inline_transfers = 128;

/// Inline task starts currently on this thread's stack.
inline constinit thread_local unsigned inline_start_depth = 0;
/// Symmetric transfers stacked on this thread since its outermost resumption began (each
/// driver resumption restores the count it found when it returns).
inline constinit thread_local unsigned transfer_count = 0;

/// Releases a wake token owned by a promise: cancelled first, so that a queued
/// resumption of a coroutine that is being destroyed never runs.
inline void release_waker(corobridge_waker*& waker) noexcept {
  if (waker != nullptr) {
    corobridge_rs_waker_cancel(waker);
    corobridge_rs_waker_release(waker);
    waker = nullptr;
  }
}

/// Queues `target` on this thread's driver through a wake token kept in `slot`.
/// Returns false (and queues nothing) when no driver runs on this thread.
inline bool queue_on_driver(std::coroutine_handle<> target, corobridge_waker*& slot) noexcept {
  release_waker(slot);
  slot = corobridge_rs_waker_new(target.address());
  if (slot == nullptr) return false;
  corobridge_rs_waker_wake(slot);
  return true;
}

/// Symmetric transfer to `next`, queued instead once too many transfers have nested.
inline std::coroutine_handle<> bounded_transfer(std::coroutine_handle<> next,
                                                corobridge_waker*& slot) noexcept {
  if (++transfer_count > max_inline_transfers) {
    transfer_count = 0;
    if (queue_on_driver(next, slot)) return std::noop_coroutine();
  }
  return next;
}

}  // namespace corobridge::detail
