//! C++ timers (`sleep_for`, `GameTimer::wait_for`) of C++ tasks driven by executors other
//! than corobridge's: tokio's current-thread and multi-thread runtimes (tokio's timer
//! serves them, with the `tokio` feature) and futures' `block_on` (corobridge's one timer
//! thread does). Order, cancellation and the one-thread promise are checked; virtual time
//! and absolute deadlines stay corobridge's executor's, with a clear error elsewhere.

use std::future::IntoFuture;
use std::time::{Duration, Instant};

use corobridge::Error;
use corobridge_testkit::scenarios as s;

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread runtime")
}

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("a multi-thread runtime")
}

/// The names of this process's threads.
fn thread_names() -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .expect("procfs")
        .filter_map(|entry| {
            let path = entry.ok()?.path().join("comm");
            Some(std::fs::read_to_string(path).ok()?.trim().to_owned())
        })
        .collect()
}

#[test]
fn a_cpp_sleep_under_futures_block_on_waits_and_completes() {
    let start = Instant::now();
    assert_eq!(
        futures::executor::block_on(s::add_after(1, 2, 30).into_future()),
        Ok(3)
    );
    assert!(start.elapsed() >= Duration::from_millis(30));
    // A chain of C++ tasks whose innermost sleeps, and GameTimer's frames.
    assert_eq!(
        futures::executor::block_on(s::nested_chain(50).into_future()),
        Ok(50)
    );
    let start = Instant::now();
    assert_eq!(
        futures::executor::block_on(s::game_frames(3).into_future()),
        Ok(3)
    );
    assert!(start.elapsed() >= Duration::from_millis(48));
}

#[test]
fn a_cpp_sleep_under_tokio_current_thread_waits_and_completes() {
    let runtime = current_thread();
    let start = Instant::now();
    assert_eq!(
        runtime.block_on(s::add_after(40, 2, 25).into_future()),
        Ok(42)
    );
    assert!(start.elapsed() >= Duration::from_millis(25));
    // Many at once on one thread: tokio tasks, each driving its own C++ task.
    let results = runtime.block_on(async {
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async {
                let handles: Vec<_> = (0..100)
                    .map(|i| {
                        tokio::task::spawn_local(s::add_after(i, 1, i64::from(i % 7)).into_future())
                    })
                    .collect();
                let mut out = Vec::new();
                for handle in handles {
                    out.push(handle.await.expect("the tokio task ran"));
                }
                out
            })
            .await
    });
    assert_eq!(results, (0..100).map(|i| Ok(i + 1)).collect::<Vec<_>>());
}

#[test]
fn a_cpp_sleep_under_tokio_multi_thread_waits_and_completes() {
    let runtime = multi_thread();
    let start = Instant::now();
    let results = runtime.block_on(async {
        let handles: Vec<_> = (0..200)
            .map(|i| tokio::spawn(s::add_after(i, 1, 5 + i64::from(i % 11)).into_future()))
            .collect();
        let mut out = Vec::new();
        for handle in handles {
            out.push(handle.await.expect("the tokio task ran"));
        }
        out
    });
    assert_eq!(results, (0..200).map(|i| Ok(i + 1)).collect::<Vec<_>>());
    assert!(start.elapsed() >= Duration::from_millis(15));
    let frames = runtime
        .block_on(runtime.spawn(s::game_frames(2).into_future()))
        .expect("the tokio task ran");
    assert_eq!(frames, Ok(2));
}

#[test]
fn equal_and_ordered_deadlines_fire_in_order_under_every_executor() {
    let expected = vec![4, 2, 3, 5, 1];
    let log = s::new_log();
    futures::executor::block_on(s::timers_in_order(log.clone()).into_future()).expect("ran");
    assert_eq!(s::log_entries(&log), expected);
    for runtime in [current_thread(), multi_thread()] {
        let log = s::new_log();
        runtime
            .block_on(s::timers_in_order(log.clone()).into_future())
            .expect("ran");
        assert_eq!(s::log_entries(&log), expected);
    }
}

#[test]
fn a_cpp_task_dropped_mid_sleep_under_a_foreign_executor_is_destroyed_with_its_timer() {
    // tokio: a timeout drops the C++ task's future while its 10 s timer waits.
    let counters = s::new_counters();
    let runtime = current_thread();
    let sleeper = s::guarded_sleep(counters.clone(), 10_000).into_future();
    let outcome =
        runtime.block_on(async { tokio::time::timeout(Duration::from_millis(5), sleeper).await });
    assert!(outcome.is_err(), "the timeout fired first");
    assert_eq!(s::constructed(&counters), 1);
    assert_eq!(s::destroyed(&counters), 1);
    // futures: select the sleep against a quicker one; the loser is dropped mid-sleep.
    let counters = s::new_counters();
    let winner = futures::executor::block_on(async {
        let slow = s::guarded_sleep(counters.clone(), 10_000).into_future();
        let quick = s::add_after(1, 1, 5).into_future();
        futures::pin_mut!(slow, quick);
        match futures::future::select(slow, quick).await {
            futures::future::Either::Right((value, _slow)) => value,
            futures::future::Either::Left(_) => panic!("the 10 s sleep won"),
        }
    });
    assert_eq!(winner, Ok(2));
    assert_eq!(s::destroyed(&counters), 1);
    // The cancelled alarms left nothing behind that could resume a destroyed frame: the
    // driver of a later sleep on this thread sees only its own timer.
    assert_eq!(
        futures::executor::block_on(s::add_after(2, 2, 1).into_future()),
        Ok(4)
    );
}

#[test]
fn one_timer_thread_serves_every_foreign_sleep_of_the_process() {
    let threads: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                for i in 0..10 {
                    let value = futures::executor::block_on(s::add_after(t, i, 2).into_future());
                    assert_eq!(value, Ok(t + i));
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("no panic");
    }
    let timers = thread_names()
        .into_iter()
        .filter(|name| "corobridge-timer".starts_with(name.as_str()) && name.len() >= 15)
        .count();
    assert_eq!(timers, 1, "threads: {:?}", thread_names());
}

#[test]
fn sleep_until_under_a_foreign_executor_is_a_clear_error() {
    let check = |result: Result<(), Error>| match result {
        Err(Error::Cpp(e)) => {
            assert_eq!(e.type_name(), "corobridge::no_executor");
            assert!(
                e.what()
                    .contains("sleep_until needs a corobridge executor's clock"),
                "{e}"
            );
            assert!(e.what().contains("use sleep_for"), "{e}");
        }
        other => panic!("expected no_executor, got {other:?}"),
    };
    check(futures::executor::block_on(
        s::sleep_until_ms(5).into_future(),
    ));
    check(current_thread().block_on(s::sleep_until_ms(5).into_future()));
    // Under corobridge's executor, its clock serves it (virtual here).
    let executor = corobridge::Executor::new_virtual();
    assert_eq!(executor.block_on(s::sleep_until_ms(5)), Ok(()));
    assert_eq!(executor.now(), Duration::from_millis(5));
}
