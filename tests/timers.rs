//! The executor's timer queue and clocks, as seen from C++ coroutines and Rust futures.

use std::time::Duration;

use corobridge::{Error, Executor, sleep};
use corobridge_testkit::scenarios as s;

#[test]
fn equal_deadlines_fire_in_the_order_they_were_set() {
    let executor = Executor::new_virtual();
    let log = s::new_log();
    for id in 0..50 {
        executor
            .spawn_cpp(s::log_after(log.clone(), id, 100))
            .unwrap();
    }
    executor.advance(Duration::from_millis(100)).unwrap();
    assert_eq!(s::log_entries(&log), (0..50).collect::<Vec<_>>());
}

#[test]
fn deadlines_fire_in_time_order_then_registration_order() {
    let executor = Executor::new_virtual();
    let log = s::new_log();
    // (id, delay): 3 and 4 share a deadline with 1 but were set later.
    for (id, delay) in [(1, 30), (2, 10), (3, 30), (4, 30), (5, 20)] {
        executor
            .spawn_cpp(s::log_after(log.clone(), id, delay))
            .unwrap();
    }
    executor.advance(Duration::from_millis(25)).unwrap();
    assert_eq!(s::log_entries(&log), [2, 5]);
    executor.advance(Duration::from_millis(5)).unwrap();
    assert_eq!(s::log_entries(&log), [2, 5, 1, 3, 4]);
}

#[test]
fn timers_set_at_different_times_with_equal_deadlines_keep_their_order() {
    let executor = Executor::new_virtual();
    let log = s::new_log();
    executor
        .spawn_cpp(s::log_after(log.clone(), 1, 50))
        .unwrap(); // set at 0, due 50
    executor.run_until_idle();
    executor.advance(Duration::from_millis(20)).unwrap();
    executor
        .spawn_cpp(s::log_after(log.clone(), 2, 30))
        .unwrap(); // set at 20, due 50
    executor.advance(Duration::from_millis(30)).unwrap();
    assert_eq!(s::log_entries(&log), [1, 2]);
}

#[test]
fn advance_stops_at_every_deadline_on_the_way() {
    let executor = Executor::new_virtual();
    // add_after sleeps once; a chain of Rust sleeps set new timers as they wake.
    let join = executor.spawn(async {
        let mut seen = Vec::new();
        for _ in 0..5 {
            sleep(Duration::from_millis(10)).await;
            seen.push(());
        }
        seen.len()
    });
    executor.advance(Duration::from_millis(50)).unwrap();
    assert!(join.is_finished());
    assert_eq!(executor.now(), Duration::from_millis(50));
}

#[test]
fn block_on_jumps_virtual_time_when_nothing_else_can_happen() {
    let executor = Executor::new_virtual();
    let value = executor.block_on(s::add_after(1, 2, 3_600_000));
    assert_eq!(value, Ok(3));
    assert_eq!(executor.now(), Duration::from_secs(3600));
}

#[test]
fn a_real_clock_fires_timers_when_due() {
    let executor = Executor::new();
    let start = std::time::Instant::now();
    executor
        .block_on(async {
            sleep(Duration::from_millis(30)).await;
            s::add_after(1, 1, 30).await
        })
        .unwrap();
    assert!(start.elapsed() >= Duration::from_millis(60));
}

#[test]
fn advance_needs_a_virtual_clock() {
    assert_eq!(
        Executor::new().advance(Duration::from_millis(1)),
        Err(Error::NotVirtual)
    );
}

#[test]
fn a_dropped_rust_sleep_removes_its_timer() {
    let executor = Executor::new_virtual();
    let join = executor.spawn(async {
        let mut long = std::pin::pin!(sleep(Duration::from_secs(10)));
        let short = sleep(Duration::from_millis(5));
        futures::future::select(long.as_mut(), std::pin::pin!(short)).await;
    });
    executor.run_until_idle();
    assert_eq!(executor.stats().pending_timers, 2);
    executor.advance(Duration::from_millis(5)).unwrap();
    assert!(join.is_finished());
    assert_eq!(executor.stats().pending_timers, 0);
}

#[test]
fn yields_interleave_fairly() {
    let executor = Executor::new();
    let a = executor.spawn(s::yield_many(100));
    let b = executor.spawn(s::yield_many(100));
    assert_eq!(
        executor.block_on(async { (a.await, b.await) }),
        (Ok(Ok(100)), Ok(Ok(100)))
    );
    assert!(executor.stats().resumes >= 200);
}

// C++ registrations of the delay just registered take the executor's timer window
// (`timer/window.rs`): appended by C++ without a call into Rust. Each test below breaks
// if the queue misses what the window appended, or if the window outlives what it needs.

#[test]
fn registrations_through_the_window_fire_in_order_across_chunks() {
    let executor = Executor::new_virtual();
    let log = s::new_log();
    // More than two 4096-entry chunks of one lane: the window ends at each chunk's end.
    let count = 9_000;
    for id in 0..count {
        executor
            .spawn_cpp(s::log_after(log.clone(), id, 100))
            .unwrap();
    }
    executor.run_until_idle();
    assert_eq!(executor.stats().pending_timers, count as usize);
    executor.advance(Duration::from_millis(99)).unwrap();
    assert!(s::log_entries(&log).is_empty());
    executor.advance(Duration::from_millis(1)).unwrap();
    assert_eq!(s::log_entries(&log), (0..count).collect::<Vec<_>>());
    assert_eq!(executor.stats().pending_timers, 0);
}

#[test]
fn cancelling_a_timer_set_through_the_window_removes_it() {
    let executor = Executor::new_virtual();
    let counters = s::new_counters();
    let roots: Vec<_> = (0..5)
        .map(|_| {
            executor
                .spawn_cpp(s::guarded_sleep(counters.clone(), 100))
                .unwrap()
        })
        .collect();
    executor.run_until_idle();
    // The first registered through Rust, the others through the window (and nothing has
    // looked at the lane since).
    assert!(executor.cancel_cpp(roots[3]));
    assert!(executor.cancel_cpp(roots[1]));
    assert_eq!(s::destroyed(&counters), 2);
    assert_eq!(executor.stats().pending_timers, 3);
    // Moving the clock closes the window; what it appended stays found.
    executor.advance(Duration::from_millis(10)).unwrap();
    assert!(executor.cancel_cpp(roots[4]));
    assert_eq!(executor.stats().pending_timers, 2);
    executor.advance(Duration::from_millis(90)).unwrap();
    assert_eq!(s::destroyed(&counters), 5);
    assert_eq!(executor.stats().timers_fired, 2);
    assert_eq!(executor.stats().pending_timers, 0);
}

#[test]
fn a_rust_timer_of_the_same_delay_follows_what_the_window_appended() {
    let executor = Executor::new_virtual();
    let log = s::new_log();
    // Two C++ timers (the second through the window), then a Rust sleep of the same
    // delay in the same turn: Rust appends to the same lane after taking in the window's.
    for id in [1, 2] {
        executor
            .spawn_cpp(s::log_after(log.clone(), id, 100))
            .unwrap();
    }
    let join = executor.spawn(async { sleep(Duration::from_millis(100)).await });
    executor.run_until_idle();
    assert_eq!(executor.stats().pending_timers, 3);
    executor.advance(Duration::from_millis(100)).unwrap();
    assert!(join.is_finished());
    assert_eq!(s::log_entries(&log), [1, 2]);
}

#[test]
fn the_window_closes_when_the_clock_moves() {
    let executor = Executor::new_virtual();
    let log = s::new_log();
    executor
        .spawn_cpp(s::log_after(log.clone(), 1, 30))
        .unwrap(); // set at 0, due 30: opens the window for 30 ms
    executor.run_until_idle();
    executor.advance(Duration::from_millis(10)).unwrap();
    executor
        .spawn_cpp(s::log_after(log.clone(), 2, 30))
        .unwrap(); // set at 10, due 40
    executor.advance(Duration::from_millis(20)).unwrap();
    assert_eq!(s::log_entries(&log), [1]);
    executor.advance(Duration::from_millis(10)).unwrap();
    assert_eq!(s::log_entries(&log), [1, 2]);
}

#[test]
fn frames_resumed_by_a_timer_reregister_through_the_window_each_frame() {
    let executor = Executor::new_virtual();
    // Many game loops waiting 16 ms per frame: each frame fires the lane's run (closing
    // the window onto it) while the resumed frames register the next one.
    let roots: Vec<_> = (0..300)
        .map(|_| executor.spawn(s::game_frames(10)))
        .collect();
    executor.advance(Duration::from_millis(16 * 9)).unwrap();
    assert!(roots.iter().all(|join| !join.is_finished()));
    assert_eq!(executor.stats().pending_timers, 300);
    executor.advance(Duration::from_millis(16)).unwrap();
    assert!(roots.iter().all(|join| join.is_finished()));
    assert_eq!(executor.stats().timers_fired, 300 * 10);
}

#[test]
fn frames_woken_by_one_run_see_the_pending_count_and_cancels_of_that_run() {
    // The four wakes share a run, fired as one batch without the queue borrowed: the first
    // cancels the fourth while that one is still due, and each counts what is pending.
    let executor = Executor::new_virtual();
    let log = s::new_log();
    executor
        .spawn_cpp(s::wake_one_run(log.clone(), 4, 10))
        .unwrap();
    executor.run_until_idle();
    assert_eq!(executor.stats().pending_timers, 4);
    executor.advance(Duration::from_millis(10)).unwrap();
    // The first: the cancel worked, and the three others were pending (the cancelled one's
    // frame is destroyed, and its timer cancelled, once this resumption is over). Then two
    // wakes, each seeing the ones behind it.
    assert_eq!(s::log_entries(&log), [-1, 3, 1, 0]);
    let stats = executor.stats();
    assert_eq!(stats.pending_timers, 0);
    assert_eq!(stats.timers_fired, 3);
    assert_eq!(stats.live_cpp_tasks, 0);
}
