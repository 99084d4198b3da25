// C++ scenarios driven by the cross-language test suite (tests/): every value type, every
// failure path (exceptions, destruction mid-suspend, misuse), long chains, cross-thread
// wakes. Exposed to Rust through rust/scenarios.rs.
#pragma once

#include <atomic>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "corobridge/bridge.hpp"
#include "corobridge/event.hpp"
#include "rust/cxx.h"

namespace corobridge::scenarios {

/// Counts constructions and destructions of guards (coroutine locals).
class Counters {
 public:
  void constructed_one() noexcept { constructed_.fetch_add(1, std::memory_order_relaxed); }
  void destroyed_one() noexcept { destroyed_.fetch_add(1, std::memory_order_relaxed); }
  std::int64_t constructed() const noexcept { return constructed_.load(); }
  std::int64_t destroyed() const noexcept { return destroyed_.load(); }

 private:
  std::atomic<std::int64_t> constructed_{0};
  std::atomic<std::int64_t> destroyed_{0};
};

/// An event C++ coroutines wait on and any thread sets.
class Event {
 public:
  void set() noexcept { event_.set(); }
  async_event& get() noexcept { return event_; }

 private:
  async_event event_;
};

/// A std::promise<int64_t> whose future a coroutine awaits; set from any thread.
class Signal {
 public:
  Signal() : future_(promise_.get_future()) {}
  void set(std::int64_t value) const;
  std::future<std::int64_t> take_future() const;

 private:
  mutable std::mutex mutex_;
  mutable std::promise<std::int64_t> promise_;
  mutable std::future<std::int64_t> future_;
};

/// An ordered log of ids, appended by coroutines.
class Log {
 public:
  void push(std::int32_t id) const;
  rust::Vec<std::int32_t> entries() const;

 private:
  mutable std::mutex mutex_;
  mutable std::vector<std::int32_t> entries_;
};

/// A C++ exception type of the scenarios' own.
class custom_error : public std::runtime_error {
 public:
  explicit custom_error(std::int32_t code)
      : std::runtime_error("custom failure " + std::to_string(code)) {}
};

std::shared_ptr<Counters> new_counters();
std::int64_t constructed(const Counters& c);
std::int64_t destroyed(const Counters& c);
std::shared_ptr<Event> new_event();
void set_event(const std::shared_ptr<Event>& e);
std::shared_ptr<Signal> new_signal();
void set_signal(const std::shared_ptr<Signal>& s, std::int64_t value);
std::shared_ptr<Log> new_log();
rust::Vec<std::int32_t> log_entries(const Log& log);

// Values of every bridged type.
task<std::int32_t> add_after(std::int32_t a, std::int32_t b, std::int64_t delay_ms);
task<bool> is_even_after_yield(std::int64_t n);
task<std::int64_t> negate_i64(std::int64_t n);
task<std::uint64_t> times_two_u64(std::uint64_t n);
task<double> half(double x);
task<std::string> greet(rust::String name);
task<std::vector<std::uint8_t>> bytes_up_to(std::uint32_t n);
task<void> unit_after(std::int64_t delay_ms);
task<std::int32_t> yield_many(std::int32_t n);

// Exceptions.
task<std::int32_t> throw_runtime_error(rust::String message);
task<std::int32_t> throw_custom(std::int32_t code);
task<std::int32_t> throw_non_std();
task<std::int32_t> catch_inner_exception();
task<std::int32_t> sleep_then_throw(std::int64_t delay_ms);

// Long chains.
task<std::int64_t> sum_awaits(std::int64_t count);
task<std::int64_t> nested_chain(std::int64_t depth);
task<std::int64_t> nested_sync_chain(std::int64_t depth);

// Destruction mid-suspend.
task<void> guarded_sleep(std::shared_ptr<Counters> counters, std::int64_t delay_ms);
task<std::int64_t> guarded_chain(std::shared_ptr<Counters> counters, std::int64_t depth,
                                 std::int64_t delay_ms);
task<void> guarded_wait(std::shared_ptr<Counters> counters, std::shared_ptr<Event> event);
task<std::int64_t> guarded_future(std::shared_ptr<Counters> counters, std::shared_ptr<Signal> signal);

// Cross-thread wakes and ordering.
task<std::int32_t> wait_event(std::shared_ptr<Event> event, std::int32_t value);
task<bool> future_resumes_on_same_thread(std::shared_ptr<Signal> signal);
task<std::int64_t> await_signal(std::shared_ptr<Signal> signal);
task<void> log_after(std::shared_ptr<Log> log, std::int32_t id, std::int64_t delay_ms);
/// Five log_after children under when_all: delays 200, 50, 50, 0 and 100 ms (ids 1..5;
/// gaps wide enough for their real-clock order to hold under valgrind's slowness too).
task<void> timers_in_order(std::shared_ptr<Log> log);
/// Spawns `count` tasks on the running executor that each sleep `delay_ms` (one run of
/// one lane) and then log how many timers the executor has pending; the first to wake
/// first cancels the last one and logs -1 if that worked (-2 if not).
task<void> wake_one_run(std::shared_ptr<Log> log, std::int32_t count, std::int64_t delay_ms);
/// `frames` times `co_await GameTimer::wait_for(16ms)`; yields `frames`.
task<std::int32_t> game_frames(std::int32_t frames);
/// `co_await sleep_until(deadline_ms on the executor's clock)`.
task<void> sleep_until_ms(std::int64_t deadline_ms);

// Generators.
generator<std::int32_t> count_then_throw(std::int32_t n);
generator<std::string> words();
generator<std::int64_t> guarded_counter(std::shared_ptr<Counters> counters);

}  // namespace corobridge::scenarios
