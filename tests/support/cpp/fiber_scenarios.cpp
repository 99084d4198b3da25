// C++ code that runs inside corobridge fibers, for tests/fiber_*.rs and benches/fiber.rs
// (declared in corobridge/fiber_scenarios.h). Functions are not inlined where the point
// is a yield made from several ordinary calls deep.
#include "corobridge-testkit/fiber_scenarios.h"

#include <chrono>
#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <vector>

#include <cxxabi.h>

#include "corobridge/awaiters.hpp"
#include "corobridge/detail/bridge_traits.hpp"
#include "corobridge/executor.hpp"
#include "corobridge/fiber.hpp"
#include "corobridge/game_timer.hpp"
#include "corobridge/task.hpp"

namespace fiber = corobridge::fiber;

namespace {

using namespace std::chrono_literals;

/// A local whose construction and destruction are counted.
class guard {
 public:
  explicit guard(corobridge_fiber_counters* counters) noexcept : counters_(counters) {
    if (counters_ != nullptr) ++counters_->constructed;
  }
  guard(const guard&) = delete;
  guard& operator=(const guard&) = delete;
  ~guard() {
    if (counters_ != nullptr) ++counters_->destroyed;
  }

 private:
  corobridge_fiber_counters* counters_;
};

std::string describe(const std::exception& e) {
  int status = 0;
  char* name = abi::__cxa_demangle(typeid(e).name(), nullptr, nullptr, &status);
  std::string out = (status == 0 && name != nullptr) ? name : typeid(e).name();
  std::free(name);
  return out + ": " + e.what();
}

void write_string(void* out, const std::string& text) {
  corobridge_rs_string_write(out, text.data(), text.size());
}

[[gnu::noinline]] std::int32_t yield_loop(std::int32_t depth, std::int32_t value,
                                          std::int32_t rounds,
                                          corobridge_fiber_counters* counters) {
  guard g(counters);
  if (depth > 1) return yield_loop(depth - 1, value, rounds, counters);
  for (std::int32_t i = 0; rounds < 0 || i < rounds; ++i) {
    value = fiber::yield<std::int32_t>(value + 1);
  }
  return value;
}

[[gnu::noinline]] std::int32_t switch_loop(std::int32_t depth, std::int32_t value,
                                           std::int32_t rounds,
                                           corobridge_fiber_switch_fn switch_fn, void* context,
                                           corobridge_fiber_counters* counters) {
  guard g(counters);
  if (depth > 1) return switch_loop(depth - 1, value, rounds, switch_fn, context, counters);
  for (std::int32_t i = 0; rounds < 0 || i < rounds; ++i) {
    value = switch_fn(context, value + 1);
    if (value < 0) break;  // the caller's way to end an endless loop without unwinding
  }
  return value;
}

template <typename T, typename Transform>
[[gnu::noinline]] T echo(T value, std::int32_t rounds, int depth, Transform transform) {
  if (depth > 0) return echo(std::move(value), rounds, depth - 1, transform);
  for (std::int32_t i = 0; i < rounds; ++i) {
    T input = fiber::yield<T>(value);
    value = transform(std::move(input));
  }
  return value;
}

[[gnu::noinline]] void yield_twice_deep(int depth) {
  if (depth > 0) return yield_twice_deep(depth - 1);
  fiber::yield();
}

[[gnu::noinline]] void yield_deep(int depth, corobridge_fiber_counters* counters) {
  guard g(counters);
  if (depth > 0) return yield_deep(depth - 1, counters);
  fiber::yield();
}

corobridge::task<std::int32_t> add_after(std::int32_t a, std::int32_t b, std::int64_t ms) {
  co_await corobridge::sleep_for(std::chrono::milliseconds(ms));
  co_return a + b;
}

corobridge::task<std::int32_t> sleep_then_throw(std::int64_t ms) {
  co_await corobridge::sleep_for(std::chrono::milliseconds(ms));
  throw std::logic_error("the awaited task failed");
}

corobridge::task<void> one_frame() { co_await corobridge::GameTimer::wait_for(16ms); }

[[gnu::noinline]] std::int32_t sleep_then_add_deep(int depth, std::int64_t sleep_ms,
                                                   std::int32_t a, std::int32_t b,
                                                   std::int64_t task_ms,
                                                   corobridge_fiber_counters* counters) {
  guard g(counters);
  if (depth > 0) return sleep_then_add_deep(depth - 1, sleep_ms, a, b, task_ms, counters);
  fiber::sleep_for(std::chrono::milliseconds(sleep_ms));
  return fiber::await(add_after(a, b, task_ms));
}

[[gnu::noinline]] std::int32_t call_rust_deep(int depth, corobridge_fiber_callback callback,
                                              void* context,
                                              corobridge_fiber_counters* counters) {
  guard g(counters);
  if (depth > 0) return call_rust_deep(depth - 1, callback, context, counters);
  return callback(context);
}

/// Yields from its destructor, which runs while an exception unwinds the stack.
class yielding_guard {
 public:
  explicit yielding_guard(std::int32_t* seen) noexcept : seen_(seen) {}
  yielding_guard(const yielding_guard&) = delete;
  yielding_guard& operator=(const yielding_guard&) = delete;
  ~yielding_guard() noexcept(false) {
    const int before = std::uncaught_exceptions();
    fiber::yield();
    *seen_ = before * 10 + std::uncaught_exceptions();
  }

 private:
  std::int32_t* seen_;
};

[[gnu::noinline]] void throw_with_yielding_guard(std::int32_t* seen) {
  yielding_guard g(seen);
  throw std::runtime_error("unwinding");
}

}  // namespace

extern "C" {

std::int32_t corobridge_fiber_scn_yield_at_depth(std::int32_t depth, std::int32_t start,
                                                 std::int32_t rounds,
                                                 corobridge_fiber_counters* counters) {
  return yield_loop(depth, start, rounds, counters);
}

std::int32_t corobridge_fiber_scn_switch_at_depth(std::int32_t depth, std::int32_t start,
                                                  std::int32_t rounds,
                                                  corobridge_fiber_switch_fn switch_fn,
                                                  void* context,
                                                  corobridge_fiber_counters* counters) {
  return switch_loop(depth, start, rounds, switch_fn, context, counters);
}

std::int32_t corobridge_fiber_scn_echo_unit(std::int32_t rounds) {
  for (std::int32_t i = 0; i < rounds; ++i) yield_twice_deep(2);
  return rounds;
}
bool corobridge_fiber_scn_echo_bool(bool first, std::int32_t rounds) {
  return echo(first, rounds, 2, [](bool x) { return !x; });
}
std::int32_t corobridge_fiber_scn_echo_i32(std::int32_t first, std::int32_t rounds) {
  return echo(first, rounds, 2, [](std::int32_t x) { return 2 * x; });
}
std::int64_t corobridge_fiber_scn_echo_i64(std::int64_t first, std::int32_t rounds) {
  return echo(first, rounds, 2, [](std::int64_t x) { return -x; });
}
std::uint64_t corobridge_fiber_scn_echo_u64(std::uint64_t first, std::int32_t rounds) {
  return echo(first, rounds, 2, [](std::uint64_t x) { return x + 1; });
}
double corobridge_fiber_scn_echo_f64(double first, std::int32_t rounds) {
  return echo(first, rounds, 2, [](double x) { return x / 2; });
}
void corobridge_fiber_scn_echo_string(const char* first, std::size_t len, std::int32_t rounds,
                                      void* out) {
  std::string result = echo(std::string(first, len), rounds, 2, [](std::string x) {
    x += "!";
    return x;
  });
  write_string(out, result);
}
void corobridge_fiber_scn_echo_bytes(const std::uint8_t* first, std::size_t len,
                                     std::int32_t rounds, void* out) {
  std::vector<std::uint8_t> result = echo(std::vector<std::uint8_t>(first, first + len), rounds,
                                          2, [](std::vector<std::uint8_t> x) {
                                            x.push_back(static_cast<std::uint8_t>(x.size()));
                                            return x;
                                          });
  corobridge::bridge_traits<std::vector<std::uint8_t>>::write(out, std::move(result));
}

std::int32_t corobridge_fiber_scn_throw_after_yield(std::int32_t kind) {
  yield_twice_deep(2);
  if (kind == 0) throw std::runtime_error("thrown after a yield");
  throw 42;
}

std::int32_t corobridge_fiber_scn_yield_in_catch(const char* message) {
  try {
    throw std::runtime_error(message);
  } catch (...) {
    fiber::yield();
    const std::exception_ptr current = std::current_exception();
    if (!current) return -1;
    try {
      std::rethrow_exception(current);
    } catch (const std::runtime_error& e) {
      if (std::string(e.what()) != message) return -2;
    } catch (...) {
      return -2;
    }
    if (std::uncaught_exceptions() != 0) return -3;
    return 1;
  }
}

std::int32_t corobridge_fiber_scn_throw_catch_between(void) {
  try {
    throw std::logic_error("in between");
  } catch (const std::logic_error&) {
    fiber::yield();
    if (!std::current_exception()) return -1;
  }
  if (std::current_exception()) return -2;
  if (std::uncaught_exceptions() != 0) return -3;
  return 1;
}

std::int32_t corobridge_fiber_scn_catch_then_plain_yields(void) {
  try {
    throw std::logic_error("first");
  } catch (const std::logic_error&) {
    fiber::yield();
    if (!std::current_exception()) return -1;
  }
  for (int i = 0; i < 2; ++i) {
    fiber::yield();
    if (std::current_exception()) return -2;
    if (std::uncaught_exceptions() != 0) return -3;
  }
  return 1;
}

std::int32_t corobridge_fiber_scn_yield_during_unwind(void) {
  std::int32_t seen = -1;
  try {
    throw_with_yielding_guard(&seen);
  } catch (const std::runtime_error&) {
  }
  return seen;
}

std::int32_t corobridge_fiber_scn_uncaught_exceptions(void) {
  return std::uncaught_exceptions();
}
bool corobridge_fiber_scn_has_current_exception(void) {
  return static_cast<bool>(std::current_exception());
}
std::int32_t corobridge_fiber_scn_inside_catch(corobridge_fiber_callback callback,
                                               void* context) {
  try {
    throw std::runtime_error("resumer's");
  } catch (const std::runtime_error&) {
    const std::int32_t result = callback(context);
    try {
      std::rethrow_exception(std::current_exception());
    } catch (const std::runtime_error& e) {
      if (std::string(e.what()) != "resumer's") return -100;
    } catch (...) {
      return -100;
    }
    return result;
  }
}

std::int32_t corobridge_fiber_scn_swallow_unwind(corobridge_fiber_counters* counters) {
  guard g(counters);
  try {
    yield_deep(3, counters);
  } catch (...) {
    // Swallows everything: the forced unwind of a destroyed fiber too (the bug under test).
  }
  return 7;
}

std::int32_t corobridge_fiber_scn_rethrow_unwind(corobridge_fiber_counters* counters) {
  guard g(counters);
  try {
    yield_deep(3, counters);
  } catch (...) {
    throw;
  }
  return 7;
}

std::int32_t corobridge_fiber_scn_sleep_then_add(std::int64_t sleep_ms, std::int32_t a,
                                                 std::int32_t b, std::int64_t task_ms,
                                                 corobridge_fiber_counters* counters) {
  return sleep_then_add_deep(3, sleep_ms, a, b, task_ms, counters);
}

void corobridge_fiber_scn_await_throwing_task(std::int64_t delay_ms, void* out) {
  try {
    fiber::await(sleep_then_throw(delay_ms));
    write_string(out, "no exception");
  } catch (const std::exception& e) {
    write_string(out, describe(e));
  }
}

std::int32_t corobridge_fiber_scn_game_frames(std::int32_t frames, std::int64_t* times) {
  for (std::int32_t i = 0; i < frames; ++i) {
    fiber::await(one_frame());
    times[i] = std::chrono::duration_cast<std::chrono::milliseconds>(
                   corobridge::executor_clock::now().time_since_epoch())
                   .count();
  }
  return frames;
}

std::int32_t corobridge_fiber_scn_sleep_once(void) {
  fiber::sleep_for(1ms);
  return 1;
}

std::int32_t corobridge_fiber_scn_call_rust(corobridge_fiber_callback callback, void* context,
                                            corobridge_fiber_counters* counters) {
  return call_rust_deep(3, callback, context, counters);
}

std::int64_t corobridge_fiber_scn_recurse(std::int64_t depth) {
  volatile char frame[1024];
  frame[0] = static_cast<char>(depth);
  frame[sizeof(frame) - 1] = frame[0];
  if (depth == 0) return frame[sizeof(frame) - 1];
  std::int64_t below = corobridge_fiber_scn_recurse(depth - 1);
  // Opaque to the optimiser: the frame stays live across the call and the result is not a
  // plain sum, so an optimised build cannot turn the recursion into a loop (GCC does, with
  // an accumulator, and the overflow test would then spin forever).
  asm volatile("" : "+r"(below) : "r"(frame) : "memory");
  return 1 + below;
}

void corobridge_fiber_scn_yield_outside(void* out) {
  try {
    fiber::yield();
    write_string(out, "no exception");
  } catch (const std::exception& e) {
    write_string(out, describe(e));
  }
}

bool corobridge_fiber_scn_in_fiber(void) { return fiber::in_fiber(); }

}  // extern "C"
