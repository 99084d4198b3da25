/*
 * corobridge-testkit/fiber_scenarios.h: C++ code that runs inside corobridge fibers, for
 * the cross-language test suite (tests/fiber_*.rs), the fiber benchmark and the switches
 * report.
 *
 * Every function here may suspend the fiber it runs in, so every one of them is called
 * from Rust through `extern "C-unwind"` (bindgen: tests/support/src/fiber_scenarios_abi.rs,
 * committed): dropping a fiber suspended inside them unwinds their C++ frames. A C++
 * exception escaping them is caught by the fiber's base frame and reaches the resumer as
 * an error. Implemented in tests/support/cpp/fiber_scenarios.cpp.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Scenarios -------------------------------------------------------------------------- */

/** Counts guards (locals with a destructor) constructed and destroyed. */
typedef struct corobridge_fiber_counters {
  int64_t constructed;
  int64_t destroyed;
} corobridge_fiber_counters;

/** A Rust callback called from C++ inside a fiber. */
typedef int32_t (*corobridge_fiber_callback)(void *context);

/** A Rust function that suspends a coroutine corobridge does not manage (a raw corosensei
 * one, the baseline of the fiber bench): hands `value` to its resumer and returns the next
 * resume input. */
typedef int32_t (*corobridge_fiber_switch_fn)(void *context, int32_t value);

/**
 * Recurses `depth` calls deep (a counted guard in each frame), then `rounds` times:
 * v = yield<int32_t>(v + 1), starting from v = `start`. Returns the last v. Negative
 * `rounds`: forever (until the fiber is destroyed).
 */
int32_t corobridge_fiber_scn_yield_at_depth(int32_t depth, int32_t start, int32_t rounds,
                                            corobridge_fiber_counters *counters);

/**
 * As corobridge_fiber_scn_yield_at_depth, but every switch is v = switch_fn(context, v + 1):
 * C++ calling a plain Rust function that switches stacks, without corobridge::fiber::yield
 * (the bench's like-for-like corosensei baseline).
 */
int32_t corobridge_fiber_scn_switch_at_depth(int32_t depth, int32_t start, int32_t rounds,
                                             corobridge_fiber_switch_fn switch_fn,
                                             void *context, corobridge_fiber_counters *counters);

/* Echoes: `rounds` times, yield the current value from a few calls deep and replace it
 * with the resume input, transformed (bool: !x, i32: 2x, i64: -x, u64: x + 1, f64: x / 2,
 * string: x + "!", bytes: x + [len]). Return the final value. unit: returns the rounds. */
int32_t corobridge_fiber_scn_echo_unit(int32_t rounds);
bool corobridge_fiber_scn_echo_bool(bool first, int32_t rounds);
int32_t corobridge_fiber_scn_echo_i32(int32_t first, int32_t rounds);
int64_t corobridge_fiber_scn_echo_i64(int64_t first, int32_t rounds);
uint64_t corobridge_fiber_scn_echo_u64(uint64_t first, int32_t rounds);
double corobridge_fiber_scn_echo_f64(double first, int32_t rounds);
/** `out`: an uninitialised Rust String. */
void corobridge_fiber_scn_echo_string(const char *first, size_t len, int32_t rounds, void *out);
/** `out`: an uninitialised Rust Vec<u8>. */
void corobridge_fiber_scn_echo_bytes(const uint8_t *first, size_t len, int32_t rounds,
                                     void *out);

/** Yields (unit) once from two calls deep, then throws: kind 0 std::runtime_error
 * ("thrown after a yield"), kind 1 the int 42. */
int32_t corobridge_fiber_scn_throw_after_yield(int32_t kind);

/** Throws std::runtime_error(message) and yields (unit) inside its catch block; after the
 * resume, checks std::current_exception() and std::uncaught_exceptions(). Returns 1 if
 * both were this fiber's own (the exception with `message`, 0 uncaught), else a negative
 * code (-1: no current exception, -2: another exception, -3: uncaught count wrong). */
int32_t corobridge_fiber_scn_yield_in_catch(const char *message);

/** Throws and catches std::logic_error("in between"), yielding (unit) inside that catch;
 * after it, checks that no exception is current. Returns 1, or a negative code as above. */
int32_t corobridge_fiber_scn_throw_catch_between(void);

/** Yields (unit) inside a catch block, then twice after leaving it, checking after each
 * resume that the fiber's own state is current: its exception inside the catch, none
 * after it. Returns 1, or a negative code as above. */
int32_t corobridge_fiber_scn_catch_then_plain_yields(void);

/** Throws; a guard's destructor yields (unit) while the exception unwinds the stack.
 * Returns 10 * uncaught_exceptions() before the yield + the count after it (11 expected). */
int32_t corobridge_fiber_scn_yield_during_unwind(void);

/** std::uncaught_exceptions() and whether std::current_exception() is set (for the
 * resumer's side of the exception-state tests). */
int32_t corobridge_fiber_scn_uncaught_exceptions(void);
bool corobridge_fiber_scn_has_current_exception(void);
/** Runs `callback(context)` inside a C++ catch block (a std::runtime_error("resumer's") is
 * current meanwhile); returns what the callback returned, or -100 if, after the callback,
 * the current exception is no longer the resumer's own. */
int32_t corobridge_fiber_scn_inside_catch(corobridge_fiber_callback callback, void *context);

/** A guard, then a yield (unit) three calls deep inside `try { } catch (...) { }` that
 * swallows everything (the forced unwind too), then returns 7. */
int32_t corobridge_fiber_scn_swallow_unwind(corobridge_fiber_counters *counters);
/** As swallow_unwind, but the `catch (...)` cleans up and rethrows with `throw;`. */
int32_t corobridge_fiber_scn_rethrow_unwind(corobridge_fiber_counters *counters);

/** From a few calls deep: fiber::sleep_for(sleep_ms), then fiber::await on a C++
 * task<int32_t> that sleeps `task_ms` and produces a + b. Returns that sum. */
int32_t corobridge_fiber_scn_sleep_then_add(int64_t sleep_ms, int32_t a, int32_t b,
                                            int64_t task_ms, corobridge_fiber_counters *counters);
/** fiber::await on a C++ task that sleeps `delay_ms` then throws std::logic_error; the
 * exception is caught in C++ and described into `out` (an uninitialised Rust String) as
 * "<type>: <what>". */
void corobridge_fiber_scn_await_throwing_task(int64_t delay_ms, void *out);
/** `frames` times: fiber::await of a task doing co_await GameTimer::wait_for(16ms); after
 * each, appends the executor's time (ms) to `times` (room for `frames` entries). */
int32_t corobridge_fiber_scn_game_frames(int32_t frames, int64_t *times);
/** Calls fiber::sleep_for(1ms) (throws if the fiber is not polled as a future). */
int32_t corobridge_fiber_scn_sleep_once(void);

/** A guard, then `callback(context)` (a Rust function) from three calls deep. */
int32_t corobridge_fiber_scn_call_rust(corobridge_fiber_callback callback, void *context,
                                       corobridge_fiber_counters *counters);

/** Recurses with 1 KiB of locals per frame; `depth` < 0 recurses until the stack ends. */
int64_t corobridge_fiber_scn_recurse(int64_t depth);

/** Calls corobridge::fiber::yield() and describes what it threw into `out` (an
 * uninitialised Rust String) as "<type>: <what>", or writes "no exception". */
void corobridge_fiber_scn_yield_outside(void *out);
/** corobridge::fiber::in_fiber(). */
bool corobridge_fiber_scn_in_fiber(void);

#ifdef __cplusplus
}
#endif
