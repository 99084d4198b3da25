//! C++ scenarios for the cross-language test suite (`tests/`): C++ coroutines producing
//! every bridged type, throwing every kind of exception, suspending on timers, events and
//! `std::future`s, with destructor counters to prove what destruction mid-suspend does.
//!
//! They are part of the library so that the suite (and users' own tests) can drive them;
//! the C++ sources are `cpp/scenarios.{hpp,cpp}`.
//!
//! ```
//! use corobridge::Executor;
//! use corobridge_testkit::scenarios;
//!
//! let executor = Executor::new_virtual();
//! assert_eq!(executor.block_on(scenarios::add_after(2, 3, 50)), Ok(5));
//! ```

#[cxx::bridge(namespace = "corobridge::scenarios")]
mod ffi {
    unsafe extern "C++" {
        include!("corobridge-testkit/cpp/scenarios.hpp");

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
        type generator_i32 = corobridge::CppGenerator<i32>;
        #[namespace = "corobridge"]
        type generator_i64 = corobridge::CppGenerator<i64>;
        #[namespace = "corobridge"]
        type generator_string = corobridge::CppGenerator<String>;

        /// Counts constructions and destructions of coroutine locals.
        type Counters;
        /// A C++ `async_event` that any thread may set.
        type Event;
        /// A `std::promise<int64_t>` whose future C++ awaits.
        type Signal;
        /// An ordered log of ids appended by coroutines.
        type Log;

        /// New counters.
        fn new_counters() -> SharedPtr<Counters>;
        /// Guards constructed so far.
        fn constructed(c: &Counters) -> i64;
        /// Guards destroyed so far.
        fn destroyed(c: &Counters) -> i64;
        /// A new event (not set).
        fn new_event() -> SharedPtr<Event>;
        /// Sets the event (from any thread).
        fn set_event(e: &SharedPtr<Event>);
        /// A new signal (not set).
        fn new_signal() -> SharedPtr<Signal>;
        /// Sets the signal's value (from any thread; once).
        fn set_signal(s: &SharedPtr<Signal>, value: i64) -> Result<()>;
        /// A new empty log.
        fn new_log() -> SharedPtr<Log>;
        /// The ids logged so far.
        fn log_entries(log: &Log) -> Vec<i32>;

        /// Sleeps `delay_ms` on the executor's clock, then yields `a + b`.
        fn add_after(a: i32, b: i32, delay_ms: i64) -> task_i32;
        /// Yields once, then tells whether `n` is even.
        fn is_even_after_yield(n: i64) -> task_bool;
        /// `-n`, synchronously.
        fn negate_i64(n: i64) -> task_i64;
        /// Yields once, then `2 * n`.
        fn times_two_u64(n: u64) -> task_u64;
        /// `x / 2`, synchronously.
        fn half(x: f64) -> task_f64;
        /// Yields once, then "Hello, <name>!".
        fn greet(name: String) -> task_string;
        /// The bytes 0, 1, ..., n-1.
        fn bytes_up_to(n: u32) -> task_bytes;
        /// Sleeps `delay_ms`, produces nothing.
        fn unit_after(delay_ms: i64) -> task_unit;
        /// Yields `n` times, then yields `n`.
        fn yield_many(n: i32) -> task_i32;

        /// Yields once, then throws `std::runtime_error(message)`.
        fn throw_runtime_error(message: String) -> task_i32;
        /// Throws `corobridge::scenarios::custom_error` ("custom failure <code>").
        fn throw_custom(code: i32) -> task_i32;
        /// Throws the int 42 (not a std::exception).
        fn throw_non_std() -> task_i32;
        /// Awaits a throwing C++ task, catches its exception in C++, yields 7.
        fn catch_inner_exception() -> task_i32;
        /// Sleeps, then throws `std::logic_error`.
        fn sleep_then_throw(delay_ms: i64) -> task_i32;

        /// Awaits `count` synchronously completing tasks in one loop; yields `count`.
        fn sum_awaits(count: i64) -> task_i64;
        /// Recursion `depth` deep whose innermost task sleeps 1 ms; yields `depth`.
        fn nested_chain(depth: i64) -> task_i64;
        /// Recursion `depth` deep that never suspends; yields `depth`.
        fn nested_sync_chain(depth: i64) -> task_i64;

        /// A counted local, then a sleep.
        fn guarded_sleep(counters: SharedPtr<Counters>, delay_ms: i64) -> task_unit;
        /// Recursion with a counted local at each level; the innermost sleeps.
        fn guarded_chain(counters: SharedPtr<Counters>, depth: i64, delay_ms: i64) -> task_i64;
        /// A counted local, then a wait on the event.
        fn guarded_wait(counters: SharedPtr<Counters>, event: SharedPtr<Event>) -> task_unit;
        /// A counted local, then `co_await` on the signal's std::future.
        fn guarded_future(counters: SharedPtr<Counters>, signal: SharedPtr<Signal>) -> task_i64;

        /// Waits for the event, then yields `value`.
        fn wait_event(event: SharedPtr<Event>, value: i32) -> task_i32;
        /// Awaits the signal's std::future; true if it resumed on the thread it started on.
        fn future_resumes_on_same_thread(signal: SharedPtr<Signal>) -> task_bool;
        /// Awaits the signal's std::future and yields its value.
        fn await_signal(signal: SharedPtr<Signal>) -> task_i64;
        /// Sleeps `delay_ms`, then appends `id` to the log.
        fn log_after(log: SharedPtr<Log>, id: i32, delay_ms: i64) -> task_unit;
        /// Five log_after children under when_all: delays 200, 50, 50, 0 and 100 ms (ids
        /// 1..5; gaps wide enough for their real-clock order to hold under valgrind too).
        fn timers_in_order(log: SharedPtr<Log>) -> task_unit;
        /// Spawns `count` tasks on the running executor that each sleep `delay_ms` (one
        /// run of one lane) and then log how many timers the executor has pending; the
        /// first to wake first cancels the last one and logs -1 if that worked (-2 if not).
        fn wake_one_run(log: SharedPtr<Log>, count: i32, delay_ms: i64) -> task_unit;
        /// `frames` times `co_await GameTimer::wait_for(16ms)`; yields `frames`.
        fn game_frames(frames: i32) -> task_i32;
        /// `co_await sleep_until(deadline_ms on the executor's clock)`.
        fn sleep_until_ms(deadline_ms: i64) -> task_unit;

        /// 0, 1, ..., n-1, then throws `std::out_of_range`.
        fn count_then_throw(n: i32) -> generator_i32;
        /// "alpha", "beta", "gamma".
        fn words() -> generator_string;
        /// 0, 1, 2, ... forever, with a counted local.
        fn guarded_counter(counters: SharedPtr<Counters>) -> generator_i64;
    }
}

// SAFETY: Event wraps corobridge::async_event, whose set() is thread-safe and whose
// waiters are resumed by their own executors; nothing else is reachable from Rust.
unsafe impl Send for ffi::Event {}
// SAFETY: as above.
unsafe impl Sync for ffi::Event {}
// SAFETY: Signal guards its std::promise with a mutex; set() may run on any thread.
unsafe impl Send for ffi::Signal {}
// SAFETY: as above.
unsafe impl Sync for ffi::Signal {}
// SAFETY: Counters are atomics.
unsafe impl Send for ffi::Counters {}
// SAFETY: as above.
unsafe impl Sync for ffi::Counters {}
// SAFETY: Log guards its vector with a mutex.
unsafe impl Send for ffi::Log {}
// SAFETY: as above.
unsafe impl Sync for ffi::Log {}

pub use ffi::{
    Counters, Event, Log, Signal, add_after, await_signal, bytes_up_to, catch_inner_exception,
    constructed, count_then_throw, destroyed, future_resumes_on_same_thread, game_frames, greet,
    guarded_chain, guarded_counter, guarded_future, guarded_sleep, guarded_wait, half,
    is_even_after_yield, log_after, log_entries, negate_i64, nested_chain, nested_sync_chain,
    new_counters, new_event, new_log, new_signal, set_event, set_signal, sleep_then_throw,
    sleep_until_ms, sum_awaits, throw_custom, throw_non_std, throw_runtime_error, timers_in_order,
    times_two_u64, unit_after, wait_event, wake_one_run, words, yield_many,
};
