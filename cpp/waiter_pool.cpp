// The shared waiter pool behind `co_await std::future`.
#include "corobridge/detail/waiter_pool.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace corobridge::detail {
namespace {

using namespace std::chrono_literals;

class waiter_pool {
 public:
  static waiter_pool& instance() {
    static waiter_pool pool;
    return pool;
  }

  void submit(std::shared_ptr<pool_wait> wait) {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(wait));
    if (idle_ == 0 && threads_.size() < waiter_pool_max_threads) {
      threads_.emplace_back([this] { run(); });
    } else {
      ready_.notify_one();
    }
  }

  std::size_t threads() {
    std::lock_guard lock(mutex_);
    return threads_.size();
  }

  waiter_pool() = default;
  waiter_pool(const waiter_pool&) = delete;
  waiter_pool& operator=(const waiter_pool&) = delete;
  ~waiter_pool() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    ready_.notify_all();
    for (auto& thread : threads_) thread.join();
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      ++idle_;
      ready_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      --idle_;
      if (stop_) return;
      std::shared_ptr<pool_wait> wait = std::move(queue_.front());
      queue_.pop_front();
      // With others waiting, look at this source briefly and rotate; alone, wait longer.
      const auto timeout = queue_.empty() ? 20ms : 1ms;
      lock.unlock();
      const bool ready = wait->wait_ready(timeout);
      if (ready) {
        wait->wake();
        wait.reset();  // may run a std::async future's blocking destructor: not under the lock
      }
      lock.lock();
      if (!ready) queue_.push_back(std::move(wait));
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::shared_ptr<pool_wait>> queue_;
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;
  bool stop_ = false;
};

}  // namespace

void submit_to_waiter_pool(std::shared_ptr<pool_wait> wait) {
  waiter_pool::instance().submit(std::move(wait));
}

std::size_t waiter_pool_threads() noexcept {
  try {
    return waiter_pool::instance().threads();
  } catch (...) {
    return 0;
  }
}

}  // namespace corobridge::detail
