//! The seed document's C++20 examples and its stackful example, driven from Rust.

use std::future::IntoFuture;
use std::time::{Duration, Instant};

use corobridge::{Executor, FiberStep};
use corobridge_lab::seed;

#[test]
fn compute_async_of_10_is_100_after_100_ms_of_executor_time() {
    let executor = Executor::new_virtual();
    assert_eq!(executor.block_on(seed::compute_async(10)), Ok(100));
    assert_eq!(executor.now(), Duration::from_millis(100));
}

#[test]
fn compute_async_on_a_real_clock_takes_about_100_ms() {
    let executor = Executor::new();
    let start = Instant::now();
    assert_eq!(executor.block_on(seed::compute_async(7)), Ok(49));
    assert!(start.elapsed() >= Duration::from_millis(100));
}

#[test]
fn fibonacci_yields_the_seed_sequence() {
    let first: Vec<u64> = seed::fibonacci().take(10).map(Result::unwrap).collect();
    assert_eq!(first, [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]);
    assert_eq!(seed::fibonacci().nth(50).unwrap(), Ok(12_586_269_025));
}

#[test]
fn async_workflow_receives_42_then_hello() {
    let executor = Executor::new();
    let start = Instant::now();
    let log = executor
        .block_on(seed::async_workflow())
        .expect("workflow succeeds");
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(
        lines,
        [
            "Starting async workflow",
            "First result: 42",
            "Second result: Hello",
            "Workflow completed"
        ]
    );
    // Both futures run in parallel (200 ms in all, not 300), and awaiting them blocked no
    // thread of ours: the executor slept until the waiter pool woke it. The first await
    // always waits; the second finds its future ready when the machine (or valgrind) is
    // slow enough between the two awaits, so only one wake is certain.
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(200), "{elapsed:?}");
    assert!(executor.stats().remote_wakes >= 1);
}

#[test]
fn async_workflow_runs_under_a_foreign_executor_too() {
    // futures' block_on knows nothing of corobridge: the task drives its own queue.
    let log = futures::executor::block_on(seed::async_workflow().into_future())
        .expect("workflow succeeds");
    assert!(log.contains("First result: 42\nSecond result: Hello\n"));
}

#[test]
fn the_seeds_timers_work_under_a_foreign_executor() {
    // compute_async sleeps 100 ms: under futures' block_on the task's driver keeps the
    // timer and corobridge's timer thread wakes it.
    let start = Instant::now();
    let result = futures::executor::block_on(seed::compute_async(3).into_future());
    assert_eq!(result, Ok(9));
    assert!(start.elapsed() >= Duration::from_millis(100));
}

#[test]
fn the_seeds_stackful_example_keeps_local_var_42() {
    let f = corobridge_lab::fiber_seed::coroutine_function().unwrap();
    // First yield: inside deep_function_call, an ordinary C++ function.
    assert_eq!(f.resume(()).unwrap(), FiberStep::Yielded(()));
    // Second: in coroutine_function itself.
    assert_eq!(f.resume(()).unwrap(), FiberStep::Yielded(()));
    let report = f.resume(()).unwrap().returned().unwrap();
    assert_eq!(report.local_var, 42);
    assert!(report.array_intact);
    assert_eq!(report.yields, 2);
    assert_eq!(report.message, "local_var is still 42");
}
