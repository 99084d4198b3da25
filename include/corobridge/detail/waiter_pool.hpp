// A small shared pool of threads that wait on blocking readiness sources (std::future has
// no completion callback) and then wake the awaiting coroutine on its own executor.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "corobridge/detail/abi.h"

namespace corobridge::detail {

/// One outstanding wait handed to the pool.
class pool_wait {
 public:
  pool_wait() = default;
  pool_wait(const pool_wait&) = delete;
  pool_wait& operator=(const pool_wait&) = delete;
  virtual ~pool_wait() {
    if (waker_ != nullptr) corobridge_rs_waker_release(waker_);
  }

  /// Blocks at most `timeout`; true once the source is ready.
  virtual bool wait_ready(std::chrono::milliseconds timeout) = 0;

  /// Wakes the coroutine (on its executor's thread) once; called by the pool.
  void wake() noexcept {
    if (waker_ != nullptr) {
      corobridge_rs_waker_wake(waker_);
      corobridge_rs_waker_release(waker_);
      waker_ = nullptr;
    }
  }
  /// Gives the wait its own reference to the coroutine's wake token.
  void set_waker(corobridge_waker* retained) noexcept { waker_ = retained; }

 private:
  corobridge_waker* waker_ = nullptr;
};

/// Upper bound on pool threads. A thread waits on one source at a time and rotates
/// between sources when more are outstanding than there are threads.
inline constexpr std::size_t waiter_pool_max_threads = 4;

/// Queues a wait; starts a pool thread if all are busy and the bound allows.
void submit_to_waiter_pool(std::shared_ptr<pool_wait> wait);

/// Threads the pool has started so far (never more than waiter_pool_max_threads).
std::size_t waiter_pool_threads() noexcept;

}  // namespace corobridge::detail
