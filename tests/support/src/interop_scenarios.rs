//! C++ scenarios for the async-interop tests: C++ coroutines awaiting Rust futures and
//! streams, C++ async generators, `when_all`/`when_any`/`sync_wait`/`spawn`, and recursion
//! alternating between the languages (`cpp_level` ↔ [`rust_level`]). The C++ sources are
//! `cpp/interop_scenarios.{hpp,cpp}`.
//!
//! ```
//! use corobridge::{Executor, RustFuture};
//! use corobridge_testkit::interop_scenarios as i;
//!
//! let executor = Executor::new();
//! let answer = executor.block_on(i::await_i32(RustFuture::new(async { 42 })));
//! assert_eq!(answer, Ok(42));
//! ```

use corobridge::{CppTask, RustFuture};

#[cxx::bridge(namespace = "corobridge::interop")]
mod ffi {
    unsafe extern "C++" {
        include!("corobridge-testkit/cpp/interop_scenarios.hpp");

        #[namespace = "corobridge"]
        type task_unit = corobridge::CppTask<()>;
        #[namespace = "corobridge"]
        type task_bool = corobridge::CppTask<bool>;
        #[namespace = "corobridge"]
        type task_i32 = corobridge::CppTask<i32>;
        #[namespace = "corobridge"]
        type task_i64 = corobridge::CppTask<i64>;
        #[namespace = "corobridge"]
        type task_u64 = corobridge::CppTask<u64>;
        #[namespace = "corobridge"]
        type task_f64 = corobridge::CppTask<f64>;
        #[namespace = "corobridge"]
        type task_string = corobridge::CppTask<String>;
        #[namespace = "corobridge"]
        type task_bytes = corobridge::CppTask<Vec<u8>>;
        #[namespace = "corobridge"]
        type rust_future_unit = corobridge::RustFuture<()>;
        #[namespace = "corobridge"]
        type rust_future_bool = corobridge::RustFuture<bool>;
        #[namespace = "corobridge"]
        type rust_future_i32 = corobridge::RustFuture<i32>;
        #[namespace = "corobridge"]
        type rust_future_i64 = corobridge::RustFuture<i64>;
        #[namespace = "corobridge"]
        type rust_future_u64 = corobridge::RustFuture<u64>;
        #[namespace = "corobridge"]
        type rust_future_f64 = corobridge::RustFuture<f64>;
        #[namespace = "corobridge"]
        type rust_future_string = corobridge::RustFuture<String>;
        #[namespace = "corobridge"]
        type rust_future_bytes = corobridge::RustFuture<Vec<u8>>;
        #[namespace = "corobridge"]
        type rust_stream_i64 = corobridge::RustStream<i64>;
        #[namespace = "corobridge"]
        type async_generator_i32 = corobridge::CppAsyncGenerator<i32>;
        #[namespace = "corobridge"]
        type async_generator_i64 = corobridge::CppAsyncGenerator<i64>;
        #[namespace = "corobridge::scenarios"]
        type Counters = crate::scenarios::Counters;
        #[namespace = "corobridge::scenarios"]
        type Log = crate::scenarios::Log;

        /// Awaits the Rust future and yields its value.
        fn await_i32(f: rust_future_i32) -> task_i32;
        /// Awaits the Rust future and yields its value.
        fn await_bool(f: rust_future_bool) -> task_bool;
        /// Awaits the Rust future and yields its value.
        fn await_i64(f: rust_future_i64) -> task_i64;
        /// Awaits the Rust future and yields its value.
        fn await_u64(f: rust_future_u64) -> task_u64;
        /// Awaits the Rust future and yields its value.
        fn await_f64(f: rust_future_f64) -> task_f64;
        /// Awaits the Rust future and yields its value (converted to std::string and back).
        fn await_string(f: rust_future_string) -> task_string;
        /// Awaits the Rust future and yields its value (via std::vector<uint8_t>).
        fn await_bytes(f: rust_future_bytes) -> task_bytes;
        /// Awaits the Rust future.
        fn await_unit(f: rust_future_unit) -> task_unit;
        /// "value N", or what C++ caught: "rust_error: ...", "rust_panic: ...", "no_executor: ...".
        fn describe_i32(f: rust_future_i32) -> task_string;
        /// Awaits `first`, then yields the value of `second`.
        fn await_then(first: rust_future_unit, second: rust_future_string) -> task_string;
        /// A counted C++ local, then the Rust future.
        fn guarded_await(counters: SharedPtr<Counters>, f: rust_future_unit) -> task_unit;
        /// Awaits the Rust future, then counts one resumption (`constructed`).
        fn await_counted(counters: SharedPtr<Counters>, f: rust_future_u64) -> task_u64;

        /// Sums a Rust stream in C++ (`while (auto v = co_await s.next())`).
        fn sum_stream(s: rust_stream_i64) -> task_i64;
        /// 0, 1, ..., count-1, sleeping `delay_ms` before each.
        fn ticks(count: i32, delay_ms: i64) -> async_generator_i32;
        /// Each item of the Rust stream, doubled.
        fn doubled(s: rust_stream_i64) -> async_generator_i64;
        /// 0, 1, ..., count-1, then throws `std::out_of_range`.
        fn ticks_then_throw(count: i32) -> async_generator_i32;
        /// 0, 1, 2, ... forever, with a counted local.
        fn guarded_ticks(counters: SharedPtr<Counters>, delay_ms: i64) -> async_generator_i64;
        /// Sums `ticks(count, delay_ms)` in C++.
        fn sum_ticks(count: i32, delay_ms: i64) -> task_i64;

        /// when_all of two C++ tasks awaiting `a` and `b`, and one sleeping `delay_ms` then
        /// yielding 100: their sum.
        fn when_all_sum(a: rust_future_i64, b: rust_future_i64, delay_ms: i64) -> task_i64;
        /// when_all of n tasks (task i sleeps n - i ms, yields i): the sum of i * value.
        fn when_all_many(n: i32) -> task_i64;
        /// when_any of three counted tasks (slow, fast, slower): 10 * index + value.
        fn when_any_first(counters: SharedPtr<Counters>, fast_ms: i64, slow_ms: i64) -> task_i64;
        /// when_any where the fastest task throws: "caught: ...".
        fn when_any_error() -> task_string;
        /// sync_wait on a task summing 1..=n with sleeps (blocks the calling thread).
        fn sync_wait_sum(n: i64) -> Result<i64>;
        /// sync_wait on a task that throws `std::domain_error`.
        fn sync_wait_throws() -> Result<i64>;
        /// Calls sync_wait inside a coroutine: the refusal's message.
        fn sync_wait_inside() -> task_string;
        /// Spawns n detached tasks; task i logs i after i ms.
        fn spawn_logged(log: SharedPtr<Log>, n: i32) -> task_unit;

        /// C++ half of the alternating recursion: awaits `rust_level(depth - 1)`.
        fn cpp_level(depth: i64) -> task_i64;
        /// Doubles `code`; throws `std::domain_error` for a negative code.
        fn cpp_callback(code: i32) -> Result<i32>;
        /// Awaits `rust_calls_cpp(code)` and describes the outcome.
        fn callback_roundtrip(code: i32) -> task_string;
    }

    extern "Rust" {
        fn rust_level(depth: i64) -> rust_future_i64;
        fn rust_calls_cpp(code: i32) -> rust_future_i32;
    }
}

pub use ffi::{
    await_bool, await_bytes, await_counted, await_f64, await_i32, await_i64, await_string,
    await_then, await_u64, await_unit, callback_roundtrip, cpp_callback, cpp_level, describe_i32,
    doubled, guarded_await, guarded_ticks, spawn_logged, sum_stream, sum_ticks, sync_wait_inside,
    sync_wait_sum, sync_wait_throws, ticks, ticks_then_throw, when_all_many, when_all_sum,
    when_any_error, when_any_first,
};

/// Rust half of the alternating recursion: a Rust future awaiting the C++ task
/// `cpp_level(depth - 1)`. `rust_level(n)` nests n crossings, alternating languages.
pub fn rust_level(depth: i64) -> RustFuture<i64> {
    RustFuture::fallible(async move {
        if depth == 0 {
            return Ok(0);
        }
        let below: CppTask<i64> = ffi::cpp_level(depth - 1);
        below.await.map(|value| value + 1)
    })
}

/// A Rust future that calls back into C++ (`cpp_callback`); a C++ exception there comes
/// back to Rust as `Err`, which this future hands on to its C++ awaiter as `rust_error`.
pub fn rust_calls_cpp(code: i32) -> RustFuture<i32> {
    RustFuture::fallible(async move {
        ffi::cpp_callback(code).map_err(|e| format!("the C++ callback threw: {}", e.what()))
    })
}
