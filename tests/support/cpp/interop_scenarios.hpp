// C++ scenarios for the async-interop tests: C++ coroutines awaiting Rust futures and
// streams, async generators consumed from Rust, combinators, sync_wait, detached spawns,
// and recursion that alternates between the languages. Exposed through
// rust/interop_scenarios.rs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "corobridge/async_generator.hpp"
#include "corobridge/bridge.hpp"
#include "rust/cxx.h"
#include "scenarios.hpp"

namespace corobridge::interop {

using scenarios::Counters;
using scenarios::Log;

// C++ awaits a Rust future of every bridged type.
task<std::int32_t> await_i32(rust_future_i32 f);
task<bool> await_bool(rust_future_bool f);
task<std::int64_t> await_i64(rust_future_i64 f);
task<std::uint64_t> await_u64(rust_future_u64 f);
task<double> await_f64(rust_future_f64 f);
task<std::string> await_string(rust_future_string f);
task<std::vector<std::uint8_t>> await_bytes(rust_future_bytes f);
task<void> await_unit(rust_future_unit f);
/// "value N", or the caught exception as "<kind>: what()".
task<std::string> describe_i32(rust_future_i32 f);
/// Awaits `first`, then `second`: e.g. a tokio sleep, then a tokio TCP echo.
task<std::string> await_then(rust_future_unit first, rust_future_string second);
/// A counted local, then the Rust future (destruction mid-await drops it).
task<void> guarded_await(std::shared_ptr<Counters> counters, rust_future_unit f);
/// Awaits the Rust future, then counts one resumption.
task<std::uint64_t> await_counted(std::shared_ptr<Counters> counters, rust_future_u64 f);

// Streams both ways.
task<std::int64_t> sum_stream(rust_stream_i64 s);
async_generator<std::int32_t> ticks(std::int32_t count, std::int64_t delay_ms);
async_generator<std::int64_t> doubled(rust_stream_i64 s);
async_generator<std::int32_t> ticks_then_throw(std::int32_t count);
async_generator<std::int64_t> guarded_ticks(std::shared_ptr<Counters> counters, std::int64_t delay_ms);
task<std::int64_t> sum_ticks(std::int32_t count, std::int64_t delay_ms);

// Combinators.
task<std::int64_t> when_all_sum(rust_future_i64 a, rust_future_i64 b, std::int64_t delay_ms);
task<std::int64_t> when_all_many(std::int32_t n);
task<std::int64_t> when_any_first(std::shared_ptr<Counters> counters, std::int64_t fast_ms,
                                  std::int64_t slow_ms);
task<std::string> when_any_error();
std::int64_t sync_wait_sum(std::int64_t n);
std::int64_t sync_wait_throws();
task<std::string> sync_wait_inside();
task<void> spawn_logged(std::shared_ptr<Log> log, std::int32_t n);

// Recursion alternating between the languages, and exceptions through Rust callbacks.
task<std::int64_t> cpp_level(std::int64_t depth);
std::int32_t cpp_callback(std::int32_t code);
task<std::string> callback_roundtrip(std::int32_t code);

}  // namespace corobridge::interop
