// The C++ side of the cross-language test scenarios (see scenarios.hpp).
#include "scenarios.hpp"

#include <chrono>
#include <coroutine>
#include <thread>
#include <utility>

#include "corobridge/awaiters.hpp"
#include "corobridge/game_timer.hpp"
#include "corobridge/when_all.hpp"

namespace corobridge::scenarios {

using namespace std::chrono_literals;

namespace {

/// A coroutine local whose construction and destruction are counted.
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

task<std::int64_t> one() { co_return 1; }

}  // namespace

void Signal::set(std::int64_t value) const {
  std::lock_guard lock(mutex_);
  promise_.set_value(value);
}

std::future<std::int64_t> Signal::take_future() const {
  std::lock_guard lock(mutex_);
  return std::move(future_);
}

void Log::push(std::int32_t id) const {
  std::lock_guard lock(mutex_);
  entries_.push_back(id);
}

rust::Vec<std::int32_t> Log::entries() const {
  std::lock_guard lock(mutex_);
  rust::Vec<std::int32_t> out;
  out.reserve(entries_.size());
  for (std::int32_t id : entries_) out.push_back(id);
  return out;
}

std::shared_ptr<Counters> new_counters() { return std::make_shared<Counters>(); }
std::int64_t constructed(const Counters& c) { return c.constructed(); }
std::int64_t destroyed(const Counters& c) { return c.destroyed(); }
std::shared_ptr<Event> new_event() { return std::make_shared<Event>(); }
void set_event(const std::shared_ptr<Event>& e) { e->set(); }
std::shared_ptr<Signal> new_signal() { return std::make_shared<Signal>(); }
void set_signal(const std::shared_ptr<Signal>& s, std::int64_t value) { s->set(value); }
std::shared_ptr<Log> new_log() { return std::make_shared<Log>(); }
rust::Vec<std::int32_t> log_entries(const Log& log) { return log.entries(); }

task<std::int32_t> add_after(std::int32_t a, std::int32_t b, std::int64_t delay_ms) {
  co_await sleep_for(std::chrono::milliseconds(delay_ms));
  co_return a + b;
}

task<bool> is_even_after_yield(std::int64_t n) {
  co_await yield();
  co_return n % 2 == 0;
}

task<std::int64_t> negate_i64(std::int64_t n) { co_return -n; }

task<std::uint64_t> times_two_u64(std::uint64_t n) {
  co_await yield();
  co_return n * 2;
}

task<double> half(double x) { co_return x / 2.0; }

task<std::string> greet(rust::String name) {
  co_await yield();
  co_return "Hello, " + std::string(name) + "!";
}

task<std::vector<std::uint8_t>> bytes_up_to(std::uint32_t n) {
  std::vector<std::uint8_t> out;
  for (std::uint32_t i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(i));
  co_return out;
}

task<void> unit_after(std::int64_t delay_ms) {
  co_await sleep_for(std::chrono::milliseconds(delay_ms));
}

task<std::int32_t> yield_many(std::int32_t n) {
  for (std::int32_t i = 0; i < n; ++i) co_await yield();
  co_return n;
}

task<std::int32_t> throw_runtime_error(rust::String message) {
  co_await yield();
  throw std::runtime_error(std::string(message));
}

task<std::int32_t> throw_custom(std::int32_t code) {
  throw custom_error(code);
  co_return 0;
}

task<std::int32_t> throw_non_std() {
  throw 42;
  co_return 0;
}

task<std::int32_t> catch_inner_exception() {
  task<std::int32_t> inner = throw_runtime_error(rust::String("inner"));
  try {
    const std::int32_t value = co_await inner;
    co_return value;
  } catch (const std::runtime_error& e) {
    co_return std::string(e.what()) == "inner" ? 7 : -1;
  }
}

task<std::int32_t> sleep_then_throw(std::int64_t delay_ms) {
  co_await sleep_for(std::chrono::milliseconds(delay_ms));
  throw std::logic_error("failed after sleeping");
}

task<std::int64_t> sum_awaits(std::int64_t count) {
  std::int64_t total = 0;
  for (std::int64_t i = 0; i < count; ++i) total += co_await one();
  co_return total;
}

task<std::int64_t> nested_chain(std::int64_t depth) {
  if (depth == 0) {
    co_await sleep_for(1ms);
    co_return 0;
  }
  const std::int64_t below = co_await nested_chain(depth - 1);
  co_return below + 1;
}

task<std::int64_t> nested_sync_chain(std::int64_t depth) {
  if (depth == 0) co_return 0;
  const std::int64_t below = co_await nested_sync_chain(depth - 1);
  co_return below + 1;
}

task<void> guarded_sleep(std::shared_ptr<Counters> counters, std::int64_t delay_ms) {
  guard g(std::move(counters));
  co_await sleep_for(std::chrono::milliseconds(delay_ms));
}

task<std::int64_t> guarded_chain(std::shared_ptr<Counters> counters, std::int64_t depth,
                                 std::int64_t delay_ms) {
  guard g(counters);
  if (depth == 0) {
    co_await sleep_for(std::chrono::milliseconds(delay_ms));
    co_return 0;
  }
  const std::int64_t below = co_await guarded_chain(counters, depth - 1, delay_ms);
  co_return below + 1;
}

task<void> guarded_wait(std::shared_ptr<Counters> counters, std::shared_ptr<Event> event) {
  guard g(std::move(counters));
  co_await event->get();
}

task<std::int64_t> guarded_future(std::shared_ptr<Counters> counters,
                                  std::shared_ptr<Signal> signal) {
  guard g(std::move(counters));
  std::future<std::int64_t> future = signal->take_future();
  const std::int64_t value = co_await future;
  co_return value;
}

task<std::int32_t> wait_event(std::shared_ptr<Event> event, std::int32_t value) {
  co_await event->get();
  co_return value;
}

task<bool> future_resumes_on_same_thread(std::shared_ptr<Signal> signal) {
  const std::thread::id before = std::this_thread::get_id();
  std::future<std::int64_t> future = signal->take_future();
  co_await future;
  co_return std::this_thread::get_id() == before;
}

task<std::int64_t> await_signal(std::shared_ptr<Signal> signal) {
  std::future<std::int64_t> future = signal->take_future();
  const std::int64_t value = co_await future;
  co_return value;
}

task<void> log_after(std::shared_ptr<Log> log, std::int32_t id, std::int64_t delay_ms) {
  co_await sleep_for(std::chrono::milliseconds(delay_ms));
  log->push(id);
}

task<void> timers_in_order(std::shared_ptr<Log> log) {
  co_await when_all(log_after(log, 1, 200), log_after(log, 2, 50), log_after(log, 3, 50),
                    log_after(log, 4, 0), log_after(log, 5, 100));
}

namespace {
task<void> log_pending_after(std::shared_ptr<Log> log, std::int64_t delay_ms,
                             std::shared_ptr<spawn_id> victim) {
  co_await sleep_for(std::chrono::milliseconds(delay_ms));
  const executor_ref executor = executor_ref::current();
  if (victim != nullptr) log->push(executor.cancel(*victim) ? -1 : -2);
  log->push(static_cast<std::int32_t>(executor.pending_timers()));
}
}  // namespace

task<void> wake_one_run(std::shared_ptr<Log> log, std::int32_t count, std::int64_t delay_ms) {
  const executor_ref executor = executor_ref::current();
  auto victim = std::make_shared<spawn_id>();
  spawn_id last{};
  for (std::int32_t i = 0; i < count; ++i) {
    last = executor.spawn(log_pending_after(log, delay_ms, i == 0 ? victim : nullptr));
  }
  *victim = last;
  co_return;
}

task<std::int32_t> game_frames(std::int32_t frames) {
  for (std::int32_t i = 0; i < frames; ++i) co_await GameTimer::wait_for(16ms);
  co_return frames;
}

task<void> sleep_until_ms(std::int64_t deadline_ms) {
  co_await sleep_until(executor_clock::time_point(std::chrono::milliseconds(deadline_ms)));
}

generator<std::int32_t> count_then_throw(std::int32_t n) {
  for (std::int32_t i = 0; i < n; ++i) co_yield i;
  throw std::out_of_range("generator ran out");
}

generator<std::string> words() {
  co_yield std::string("alpha");
  co_yield std::string("beta");
  co_yield std::string("gamma");
}

generator<std::int64_t> guarded_counter(std::shared_ptr<Counters> counters) {
  guard g(std::move(counters));
  for (std::int64_t i = 0;; ++i) co_yield i;
}

}  // namespace corobridge::scenarios
