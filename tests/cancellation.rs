//! Destroying C++ coroutines mid-suspend: locals' destructors run, timers and wake
//! registrations are removed, and nothing ever resumes a destroyed frame.

use std::future::{Future, IntoFuture};
use std::task::{Context, Waker};
use std::time::Duration;

use corobridge::Executor;
use corobridge_testkit::{poll_once, scenarios as s};

fn counts(c: &cxx::SharedPtr<s::Counters>) -> (i64, i64) {
    (s::constructed(c), s::destroyed(c))
}

#[test]
fn dropping_a_sleeping_task_destroys_its_locals_and_its_timer() {
    let executor = Executor::new_virtual();
    let counters = s::new_counters();
    let mut task = s::guarded_sleep(counters.clone(), 1_000).into_future();
    assert!(poll_once(&executor, &mut task), "the task is asleep");
    assert_eq!(counts(&counters), (1, 0));
    assert_eq!(executor.stats().pending_timers, 1);
    drop(task);
    assert_eq!(counts(&counters), (1, 1), "the local's destructor ran");
    assert_eq!(
        executor.stats().pending_timers,
        0,
        "the timer entry is gone"
    );
    // Time passing afterwards resumes nothing (the start ran inside the future's poll).
    executor.advance(Duration::from_secs(2)).unwrap();
    assert_eq!(executor.stats().resumes, 0);
    assert_eq!(executor.stats().timers_fired, 0);
}

#[test]
fn dropping_a_deep_chain_destroys_every_level() {
    let executor = Executor::new_virtual();
    let counters = s::new_counters();
    let mut task = s::guarded_chain(counters.clone(), 50, 1_000).into_future();
    assert!(poll_once(&executor, &mut task));
    assert_eq!(counts(&counters), (51, 0));
    drop(task);
    assert_eq!(counts(&counters), (51, 51));
    assert_eq!(executor.stats().pending_timers, 0);
}

#[test]
fn a_chain_that_finishes_destroys_every_level_too() {
    let executor = Executor::new_virtual();
    let counters = s::new_counters();
    assert_eq!(
        executor.block_on(s::guarded_chain(counters.clone(), 20, 5)),
        Ok(20)
    );
    assert_eq!(counts(&counters), (21, 21));
}

#[test]
fn cancelling_a_spawned_task_destroys_it_and_its_timer() {
    let executor = Executor::new_virtual();
    let counters = s::new_counters();
    let root = executor
        .spawn_cpp(s::guarded_sleep(counters.clone(), 500))
        .unwrap();
    executor.run_until_idle();
    assert_eq!(executor.stats().pending_timers, 1);
    assert!(executor.cancel_cpp(root));
    assert_eq!(counts(&counters), (1, 1));
    assert_eq!(executor.stats().pending_timers, 0);
    assert_eq!(executor.stats().live_cpp_tasks, 0);
    assert!(!executor.cancel_cpp(root), "a stale id cancels nothing");
}

#[test]
fn cancelling_before_the_start_never_runs_the_body() {
    let executor = Executor::new_virtual();
    let counters = s::new_counters();
    let root = executor
        .spawn_cpp(s::guarded_sleep(counters.clone(), 500))
        .unwrap();
    assert!(executor.cancel_cpp(root));
    executor.run_until_idle();
    assert_eq!(counts(&counters), (0, 0), "the body never started");
    assert_eq!(executor.stats().resumes, 0);
}

#[test]
fn dropping_the_executor_destroys_what_it_owns() {
    let counters = s::new_counters();
    {
        let executor = Executor::new_virtual();
        for _ in 0..10 {
            executor
                .spawn_cpp(s::guarded_sleep(counters.clone(), 1_000))
                .unwrap();
        }
        let c = counters.clone();
        let _join = executor.spawn(async move { s::guarded_sleep(c, 2_000).await });
        executor.run_until_idle();
        assert_eq!(counts(&counters), (11, 0));
    }
    assert_eq!(counts(&counters), (11, 11));
}

#[test]
fn shutdown_destroys_what_it_owns_and_counts_it() {
    let counters = s::new_counters();
    let executor = Executor::new_virtual();
    for _ in 0..10 {
        executor
            .spawn_cpp(s::guarded_sleep(counters.clone(), 1_000))
            .unwrap();
    }
    // One C++ task that finishes before the shutdown: not counted.
    executor
        .spawn_cpp(s::guarded_sleep(counters.clone(), 1))
        .unwrap();
    let c = counters.clone();
    let mut join = executor.spawn(async move { s::guarded_sleep(c, 2_000).await });
    executor.advance(Duration::from_millis(1)).unwrap();
    assert_eq!(counts(&counters), (12, 1));
    let cancelled = executor.shutdown();
    assert_eq!(cancelled.cpp_tasks, 10);
    assert_eq!(cancelled.rust_tasks, 1);
    assert_eq!(cancelled.total(), 11);
    assert_eq!(counts(&counters), (12, 12));
    assert_eq!(join.try_take(), Some(Err(corobridge::JoinError::Cancelled)));
}

#[test]
fn a_task_outliving_its_executor_reports_it_and_can_still_be_dropped() {
    let counters = s::new_counters();
    let mut task = s::guarded_sleep(counters.clone(), 1_000).into_future();
    {
        let executor = Executor::new_virtual();
        assert!(poll_once(&executor, &mut task));
    }
    let result = futures::executor::block_on(&mut task);
    assert_eq!(result, Err(corobridge::Error::ExecutorGone));
    drop(task);
    assert_eq!(counts(&counters), (1, 1));
}

#[test]
fn dropping_a_task_waiting_on_an_event_unregisters_it() {
    let executor = Executor::new();
    let counters = s::new_counters();
    let event = s::new_event();
    let mut task = s::guarded_wait(counters.clone(), event.clone()).into_future();
    assert!(poll_once(&executor, &mut task));
    drop(task);
    assert_eq!(counts(&counters), (1, 1));
    s::set_event(&event); // nobody is registered any more: nothing is resumed
    assert_eq!(executor.run_until_idle(), 0);
}

#[test]
fn dropping_a_task_waiting_on_a_std_future_is_safe_when_it_completes_later() {
    let executor = Executor::new();
    let counters = s::new_counters();
    let signal = s::new_signal();
    let mut task = s::guarded_future(counters.clone(), signal.clone()).into_future();
    assert!(poll_once(&executor, &mut task));
    drop(task);
    assert_eq!(counts(&counters), (1, 1));
    s::set_signal(&signal, 5).unwrap(); // the waiter pool still holds the future: fine
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(
        executor.run_until_idle(),
        0,
        "the cancelled wake resumed nothing"
    );
}

#[test]
fn dropping_a_generator_mid_iteration_destroys_its_locals() {
    let counters = s::new_counters();
    let mut g = s::guarded_counter(counters.clone());
    assert_eq!(g.next(), Some(Ok(0)));
    assert_eq!(g.next(), Some(Ok(1)));
    assert_eq!(counts(&counters), (1, 0));
    drop(g);
    assert_eq!(counts(&counters), (1, 1));
}

#[test]
fn dropping_unstarted_tasks_and_generators_is_fine() {
    let counters = s::new_counters();
    drop(s::guarded_sleep(counters.clone(), 1));
    drop(s::guarded_sleep(counters.clone(), 1).into_future());
    drop(s::guarded_counter(counters.clone()));
    assert_eq!(counts(&counters), (0, 0));
}

#[test]
fn a_bound_task_dropped_on_another_thread_is_destroyed_by_its_executor() {
    let executor = Executor::new_virtual();
    let counters = s::new_counters();
    let mut task = s::guarded_sleep(counters.clone(), 1_000).into_future();
    assert!(poll_once(&executor, &mut task));
    std::thread::spawn(move || drop(task)).join().unwrap();
    // The frame waits on this executor's timer: only this thread may destroy it.
    assert_eq!(counts(&counters), (1, 0));
    executor.run_until_idle();
    assert_eq!(counts(&counters), (1, 1));
    assert_eq!(executor.stats().pending_timers, 0);
}

#[test]
fn a_task_polled_by_a_foreign_executor_is_dropped_cleanly_mid_wait() {
    let counters = s::new_counters();
    let event = s::new_event();
    let mut task = Box::pin(s::guarded_wait(counters.clone(), event.clone()).into_future());
    let mut cx = Context::from_waker(Waker::noop());
    assert!(task.as_mut().poll(&mut cx).is_pending());
    drop(task);
    assert_eq!(counts(&counters), (1, 1));
    s::set_event(&event);
}
