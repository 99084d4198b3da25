//! C++ misuse that corobridge turns into clear errors instead of undefined behaviour (the
//! C++ sources are `cpp/misuse_scenarios.{hpp,cpp}`): a task resumed through its
//! `handle()`, a generator iterated past its end, a finished task awaited again.
//!
//! ```
//! use corobridge_testkit::misuse_scenarios as misuse;
//!
//! assert!(misuse::increment_generator_past_end().contains("at the end"));
//! ```

#[cxx::bridge(namespace = "corobridge::misuse")]
mod ffi {
    unsafe extern "C++" {
        include!("corobridge-testkit/cpp/misuse_scenarios.hpp");

        #[namespace = "corobridge"]
        type task_i32 = corobridge::CppTask<i32>;
        #[namespace = "corobridge"]
        type task_string = corobridge::CppTask<String>;

        /// A `GameEngine` sharing a Rust executor, with a count of fired waiters.
        type Engine;
        /// A `GameEngine` on the executor `handle` (`Executor::raw_handle`).
        fn new_engine(handle: usize) -> UniquePtr<Engine>;
        /// Spawns a behaviour that waits `delay_ms`, then counts itself.
        fn engine_spawn_waiter(engine: Pin<&mut Engine>, delay_ms: i64) -> Result<()>;
        /// One frame.
        fn engine_update(engine: Pin<&mut Engine>) -> Result<u64>;
        /// Waiters that fired.
        fn engine_fired(engine: &Engine) -> i32;
        /// Spawns a task that suspends through `schedule_resume(own handle, now + delay_ms)`
        /// and then counts itself resumed (with `nested`, as a child awaited by the spawned
        /// task): the spawn id.
        fn engine_spawn_scheduled(
            engine: Pin<&mut Engine>,
            delay_ms: i64,
            nested: bool,
        ) -> Result<u64>;
        /// `GameEngine::cancel_task`: destroys a spawned task that has not finished.
        fn engine_cancel(engine: Pin<&mut Engine>, id: u64) -> bool;
        /// Coroutines resumed by `schedule_resume`.
        fn engine_resumed(engine: &Engine) -> i32;
        /// Frames of those coroutines destroyed (or finished).
        fn engine_destroyed(engine: &Engine) -> i32;
        /// The engine's pending timers.
        fn engine_pending_timers(engine: &Engine) -> usize;
        /// True if `handle.address()` is what the promise's `operator new` returned.
        fn handle_address_is_frame_start() -> bool;
        /// A moved-from `GameEngine` used after its new owner was destroyed: the message.
        fn use_moved_from_engine(handle: usize) -> String;

        /// A task whose handle C++ already resumed.
        fn started_through_handle() -> task_i32;
        /// C++ resumes a task's handle, then awaits the task: the error's message.
        fn await_after_handle_resume() -> task_string;
        /// `++it` past a generator's end: the error's message.
        fn increment_generator_past_end() -> String;
        /// `*it` at a generator's end: the error's message.
        fn dereference_generator_at_end() -> String;
        /// A finished `task<std::string>` awaited twice as an lvalue: `"ab|ab"`.
        fn await_string_task_twice() -> task_string;
        /// A finished `task<int32_t>` awaited twice as an lvalue: 84.
        fn await_int_task_twice() -> task_i32;
        /// `co_await std::move(task)` twice: fails with the second await's error.
        fn await_moved_task_twice() -> task_string;
        /// `run_until_idle()` on the executor `handle` from another thread: the message.
        fn run_until_idle_from_another_thread(handle: usize) -> String;
        /// `advance(1 ms)` on the executor `handle` from another thread: the message.
        fn advance_from_another_thread(handle: usize) -> String;
        /// `GameEngine::update()` inside a task of the engine's executor: the message.
        fn update_engine_from_its_own_task() -> task_string;
        /// `advance(1 ms)` inside a task of the executor: the message.
        fn advance_from_its_own_task() -> task_string;
        /// A moved-from (empty) task.
        fn moved_from_task() -> task_i32;
        /// C++ awaits a moved-from task: the message.
        fn await_empty_task() -> task_string;
        /// Two C++ coroutines await one task: the second one's message.
        fn two_awaiters_of_one_task() -> task_string;
        /// `executor_ref::spawn` from another thread: the message.
        fn spawn_from_another_thread(handle: usize) -> String;
        /// `executor_ref::spawn` of a task started through its handle: the message.
        fn spawn_started_task(handle: usize) -> String;
        /// Starts a foreign coroutine that throws `message` out of its resumption by the
        /// driver (after one `yield()`); yields twice, returns 7.
        fn start_foreign_thrower(message: &str) -> task_i32;
        /// Destroys this thread's foreign coroutines that threw: how many.
        fn destroy_foreign_throwers() -> usize;
        /// `co_await sleep_for(1ms)` in an eager coroutine that nothing drives (no
        /// executor, no task awaited from Rust): what the co_await threw.
        fn sleep_with_nothing_driving() -> String;
    }
}

pub use ffi::{
    Engine, advance_from_another_thread, advance_from_its_own_task, await_after_handle_resume,
    await_empty_task, await_int_task_twice, await_moved_task_twice, await_string_task_twice,
    dereference_generator_at_end, destroy_foreign_throwers, engine_cancel, engine_destroyed,
    engine_fired, engine_pending_timers, engine_resumed, engine_spawn_scheduled,
    engine_spawn_waiter, engine_update, handle_address_is_frame_start,
    increment_generator_past_end, moved_from_task, new_engine, run_until_idle_from_another_thread,
    sleep_with_nothing_driving, spawn_from_another_thread, spawn_started_task,
    start_foreign_thrower, started_through_handle, two_awaiters_of_one_task,
    update_engine_from_its_own_task, use_moved_from_engine,
};
