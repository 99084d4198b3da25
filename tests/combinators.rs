//! C++ combinators: when_all, when_any (losers cancelled), sync_wait from a plain
//! thread, detached spawn owned by the executor.

use std::time::Duration;

use corobridge::{Executor, RustFuture, sleep};
use corobridge_testkit::{interop_scenarios as i, scenarios as s};

fn after(ms: u64, value: i64) -> RustFuture<i64> {
    RustFuture::new(async move {
        sleep(Duration::from_millis(ms)).await;
        value
    })
}

#[test]
fn when_all_runs_tasks_concurrently_and_keeps_their_order() {
    let executor = Executor::new_virtual();
    // 30 ms, 20 ms and 25 ms of work, concurrently: 30 ms in all, not 75.
    assert_eq!(
        executor.block_on(i::when_all_sum(after(30, 1), after(20, 2), 25)),
        Ok(103)
    );
    assert_eq!(executor.now(), Duration::from_millis(30));
    // 50 tasks finishing in reverse order; the values still come back in task order.
    let n = 50i64;
    assert_eq!(
        executor.block_on(i::when_all_many(n as i32)),
        Ok((0..n).map(|k| k * k).sum())
    );
}

#[test]
fn when_any_returns_the_first_and_destroys_the_losers() {
    let executor = Executor::new_virtual();
    let counters = s::new_counters();
    // Three tasks: slow (100 ms), fast (10 ms), slower (200 ms): the second wins.
    assert_eq!(
        executor.block_on(i::when_any_first(counters.clone(), 10, 100)),
        Ok(12)
    );
    assert_eq!(
        executor.now(),
        Duration::from_millis(10),
        "nobody waited for the losers"
    );
    assert_eq!((s::constructed(&counters), s::destroyed(&counters)), (3, 3));
    assert_eq!(
        executor.stats().pending_timers,
        0,
        "the losers' timers are gone"
    );
}

#[test]
fn when_any_rethrows_the_winners_exception() {
    let executor = Executor::new_virtual();
    assert_eq!(
        executor.block_on(i::when_any_error()),
        Ok("caught: the fastest one failed".to_owned())
    );
    assert_eq!(executor.stats().pending_timers, 0);
}

#[test]
fn sync_wait_blocks_a_plain_thread_on_a_task() {
    let total = std::thread::spawn(|| i::sync_wait_sum(20))
        .join()
        .unwrap()
        .unwrap();
    assert_eq!(total, 210);
    // From this test thread too (no executor runs here).
    assert_eq!(i::sync_wait_sum(3).unwrap(), 6);
}

#[test]
fn sync_wait_rethrows() {
    let err = i::sync_wait_throws().unwrap_err();
    assert_eq!(err.what(), "sync_wait saw this");
}

#[test]
fn sync_wait_inside_a_coroutine_is_refused() {
    let message = Executor::new().block_on(i::sync_wait_inside()).unwrap();
    assert!(message.contains("would deadlock"), "{message}");
}

#[test]
fn spawned_tasks_are_owned_by_the_executor() {
    let executor = Executor::new_virtual();
    let log = s::new_log();
    // The spawning task returns at once; its children run on, owned by the executor.
    assert_eq!(executor.block_on(i::spawn_logged(log.clone(), 5)), Ok(()));
    assert_eq!(executor.stats().live_cpp_tasks, 5);
    executor.advance(Duration::from_millis(5)).unwrap();
    assert_eq!(s::log_entries(&log), [1, 2, 3, 4, 5]);
    assert_eq!(executor.stats().live_cpp_tasks, 0);
}
