// The C++ side of the async-interop scenarios (see interop_scenarios.hpp).
#include "interop_scenarios.hpp"

#include <chrono>
#include <stdexcept>
#include <utility>

#include "corobridge/awaiters.hpp"
#include "corobridge-testkit/src/interop_scenarios.rs.h"
#include "corobridge/spawn.hpp"
#include "corobridge/sync_wait.hpp"
#include "corobridge/when_all.hpp"
#include "corobridge/when_any.hpp"

namespace corobridge::interop {

using namespace std::chrono_literals;

namespace {

class guard {
 public:
  explicit guard(std::shared_ptr<Counters> counters) : counters_(std::move(counters)) {
    counters_->constructed_one();
  }
  guard(const guard&) = delete;
  guard& operator=(const guard&) = delete;
  ~guard() { counters_->destroyed_one(); }

 private:
  std::shared_ptr<Counters> counters_;
};

template <typename T>
task<T> after(std::int64_t delay_ms, T value) {
  co_await sleep_for(std::chrono::milliseconds(delay_ms));
  co_return value;
}

task<std::int64_t> guarded_after(std::shared_ptr<Counters> counters, std::int64_t delay_ms,
                                 std::int64_t value) {
  guard g(std::move(counters));
  co_await sleep_for(std::chrono::milliseconds(delay_ms));
  co_return value;
}

task<std::int64_t> from_rust(rust_future_i64 f) {
  const std::int64_t value = co_await f;
  co_return value;
}

task<std::string> throws_after(std::int64_t delay_ms) {
  co_await sleep_for(std::chrono::milliseconds(delay_ms));
  throw std::runtime_error("the fastest one failed");
}

task<void> log_later(std::shared_ptr<Log> log, std::int32_t id) {
  co_await sleep_for(std::chrono::milliseconds(id));
  log->push(id);
}

task<std::int64_t> sum_slowly(std::int64_t n) {
  std::int64_t total = 0;
  for (std::int64_t i = 1; i <= n; ++i) {
    co_await sleep_for(1ms);
    co_await yield();
    total += i;
  }
  co_return total;
}

task<std::int64_t> fail_slowly() {
  co_await sleep_for(1ms);
  throw std::domain_error("sync_wait saw this");
}

}  // namespace

task<std::int32_t> await_i32(rust_future_i32 f) {
  const std::int32_t value = co_await f;
  co_return value;
}
task<bool> await_bool(rust_future_bool f) {
  const bool value = co_await f;
  co_return value;
}
task<std::int64_t> await_i64(rust_future_i64 f) {
  const std::int64_t value = co_await f;
  co_return value;
}
task<std::uint64_t> await_u64(rust_future_u64 f) {
  const std::uint64_t value = co_await f;
  co_return value;
}
task<double> await_f64(rust_future_f64 f) {
  const double value = co_await f;
  co_return value;
}
task<std::string> await_string(rust_future_string f) {
  std::string value = co_await f;
  co_return value;
}
task<std::vector<std::uint8_t>> await_bytes(rust_future_bytes f) {
  std::vector<std::uint8_t> value = co_await f;
  co_return value;
}
task<void> await_unit(rust_future_unit f) { co_await f; }

task<std::string> describe_i32(rust_future_i32 f) {
  try {
    const std::int32_t value = co_await f;
    co_return "value " + std::to_string(value);
  } catch (const rust_panic& e) {
    co_return std::string("rust_panic: ") + e.what();
  } catch (const rust_error& e) {
    co_return std::string("rust_error: ") + e.what();
  } catch (const no_executor& e) {
    co_return std::string("no_executor: ") + e.what();
  }
}

task<std::string> await_then(rust_future_unit first, rust_future_string second) {
  co_await first;
  std::string value = co_await second;
  co_return value;
}

task<void> guarded_await(std::shared_ptr<Counters> counters, rust_future_unit f) {
  guard g(std::move(counters));
  co_await f;
}

task<std::uint64_t> await_counted(std::shared_ptr<Counters> counters, rust_future_u64 f) {
  const std::uint64_t value = co_await f;
  counters->constructed_one();
  co_return value;
}

task<std::int64_t> sum_stream(rust_stream_i64 s) {
  std::int64_t total = 0;
  while (auto value = co_await s.next()) total += *value;
  co_return total;
}

async_generator<std::int32_t> ticks(std::int32_t count, std::int64_t delay_ms) {
  for (std::int32_t i = 0; i < count; ++i) {
    co_await sleep_for(std::chrono::milliseconds(delay_ms));
    co_yield i;
  }
}

async_generator<std::int64_t> doubled(rust_stream_i64 s) {
  while (auto value = co_await s.next()) co_yield 2 * *value;
}

async_generator<std::int32_t> ticks_then_throw(std::int32_t count) {
  for (std::int32_t i = 0; i < count; ++i) {
    co_await yield();
    co_yield i;
  }
  throw std::out_of_range("no more ticks");
}

async_generator<std::int64_t> guarded_ticks(std::shared_ptr<Counters> counters,
                                            std::int64_t delay_ms) {
  guard g(std::move(counters));
  for (std::int64_t i = 0;; ++i) {
    co_await sleep_for(std::chrono::milliseconds(delay_ms));
    co_yield i;
  }
}

task<std::int64_t> sum_ticks(std::int32_t count, std::int64_t delay_ms) {
  async_generator<std::int32_t> gen = ticks(count, delay_ms);
  std::int64_t total = 0;
  while (auto tick = co_await gen.next()) total += *tick;
  co_return total;
}

task<std::int64_t> when_all_sum(rust_future_i64 a, rust_future_i64 b, std::int64_t delay_ms) {
  auto all = when_all(from_rust(std::move(a)), from_rust(std::move(b)),
                      after<std::int64_t>(delay_ms, 100));
  auto [x, y, z] = co_await all;
  co_return x + y + z;
}

task<std::int64_t> when_all_many(std::int32_t n) {
  std::vector<task<std::int64_t>> tasks;
  for (std::int32_t i = 0; i < n; ++i) tasks.push_back(after<std::int64_t>(n - i, i));
  auto all = when_all(std::move(tasks));
  std::vector<std::int64_t> values = co_await all;
  std::int64_t weighted = 0;  // order is kept: sum of i * value = sum of i^2
  for (std::size_t i = 0; i < values.size(); ++i) weighted += static_cast<std::int64_t>(i) * values[i];
  co_return weighted;
}

task<std::int64_t> when_any_first(std::shared_ptr<Counters> counters, std::int64_t fast_ms,
                                  std::int64_t slow_ms) {
  std::vector<task<std::int64_t>> tasks;
  tasks.push_back(guarded_after(counters, slow_ms, 1));
  tasks.push_back(guarded_after(counters, fast_ms, 2));
  tasks.push_back(guarded_after(counters, slow_ms * 2, 3));
  auto any = when_any(std::move(tasks));
  when_any_result<std::int64_t> result = co_await any;
  co_return static_cast<std::int64_t>(result.index) * 10 + result.value;
}

task<std::string> when_any_error() {
  auto any = when_any(after<std::string>(50, "slow"), throws_after(10));
  try {
    when_any_result<std::string> result = co_await any;
    co_return result.value;
  } catch (const std::runtime_error& e) {
    co_return std::string("caught: ") + e.what();
  }
}

std::int64_t sync_wait_sum(std::int64_t n) { return sync_wait(sum_slowly(n)); }

std::int64_t sync_wait_throws() { return sync_wait(fail_slowly()); }

task<std::string> sync_wait_inside() {
  try {
    sync_wait(sum_slowly(1));
    co_return "no error";
  } catch (const std::logic_error& e) {
    co_return std::string(e.what());
  }
}

task<void> spawn_logged(std::shared_ptr<Log> log, std::int32_t n) {
  for (std::int32_t i = n; i > 0; --i) spawn(log_later(log, i));
  co_return;
}

task<std::int64_t> cpp_level(std::int64_t depth) {
  if (depth == 0) co_return 0;
  rust_future_i64 below = rust_level(depth - 1);
  const std::int64_t value = co_await below;
  co_return value + 1;
}

std::int32_t cpp_callback(std::int32_t code) {
  if (code < 0) throw std::domain_error("negative code " + std::to_string(code));
  return code * 2;
}

task<std::string> callback_roundtrip(std::int32_t code) {
  task<std::string> described = describe_i32(rust_calls_cpp(code));
  std::string text = co_await described;
  co_return text;
}

}  // namespace corobridge::interop
