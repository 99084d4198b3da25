//! Cancellation across the boundary, with drop counters on both sides: dropping the Rust
//! future of a C++ task destroys its frame and drops the Rust future it awaited (and its
//! timers); destroying a C++ task that awaits a Rust future drops that future.

use std::future::IntoFuture;
use std::time::Duration;

use corobridge::{Executor, RustFuture, sleep};
use corobridge_testkit::{DropCounter, interop_scenarios as i, poll_once, scenarios as s};

fn sleeping_future(drops: &DropCounter, ms: u64) -> RustFuture<()> {
    let guard = drops.guard();
    RustFuture::new(async move {
        let _guard = guard;
        sleep(Duration::from_millis(ms)).await;
    })
}

#[test]
fn dropping_the_rust_future_of_a_cpp_task_drops_what_it_awaited() {
    let executor = Executor::new_virtual();
    let counters = s::new_counters();
    let drops = DropCounter::new();
    let mut task = i::guarded_await(counters.clone(), sleeping_future(&drops, 1_000)).into_future();
    assert!(poll_once(&executor, &mut task));
    assert_eq!(executor.stats().pending_timers, 1, "the Rust future sleeps");
    drop(task);
    assert_eq!(
        (s::constructed(&counters), s::destroyed(&counters)),
        (1, 1),
        "C++ local destroyed"
    );
    assert_eq!(drops.dropped(), 1, "Rust future dropped");
    assert_eq!(executor.stats().pending_timers, 0, "its timer removed");
}

#[test]
fn cancelling_a_spawned_cpp_task_drops_the_rust_future_it_awaits() {
    let executor = Executor::new_virtual();
    let counters = s::new_counters();
    let drops = DropCounter::new();
    let root = executor
        .spawn_cpp(i::guarded_await(
            counters.clone(),
            sleeping_future(&drops, 1_000),
        ))
        .unwrap();
    executor.run_until_idle();
    assert_eq!(drops.dropped(), 0);
    assert!(executor.cancel_cpp(root));
    assert_eq!((s::constructed(&counters), s::destroyed(&counters)), (1, 1));
    assert_eq!(drops.dropped(), 1);
    assert_eq!(executor.stats().pending_timers, 0);
}

#[test]
fn a_rust_future_that_finishes_is_dropped_once() {
    let executor = Executor::new_virtual();
    let counters = s::new_counters();
    let drops = DropCounter::new();
    assert_eq!(
        executor.block_on(i::guarded_await(
            counters.clone(),
            sleeping_future(&drops, 5)
        )),
        Ok(())
    );
    assert_eq!(drops.dropped(), 1);
    assert_eq!((s::constructed(&counters), s::destroyed(&counters)), (1, 1));
}

#[test]
fn an_unawaited_rust_future_given_to_cpp_is_dropped_with_its_task() {
    let drops = DropCounter::new();
    drop(i::guarded_await(
        s::new_counters(),
        sleeping_future(&drops, 5),
    ));
    assert_eq!(drops.dropped(), 1);
    drop(sleeping_future(&drops, 5));
    assert_eq!(drops.dropped(), 2);
}

#[test]
fn a_woken_but_cancelled_await_resumes_nothing() {
    let executor = Executor::new();
    let counters = s::new_counters();
    let (tx, rx) = futures::channel::oneshot::channel::<()>();
    let future = RustFuture::new(async move {
        let _ = rx.await;
    });
    let mut task = i::guarded_await(counters.clone(), future).into_future();
    assert!(poll_once(&executor, &mut task));
    drop(task);
    let _ = tx.send(()); // the receiver is gone with the future: nothing to wake
    assert_eq!(executor.run_until_idle(), 0);
    assert_eq!((s::constructed(&counters), s::destroyed(&counters)), (1, 1));
}
