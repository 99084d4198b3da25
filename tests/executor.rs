//! corobridge's executor with Rust tasks: spawning, joining, aborting, panics, misuse.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use corobridge::{Executor, JoinError, TaskFailure, sleep};

#[test]
fn spawned_tasks_run_and_join() {
    let executor = Executor::new();
    let a = executor.spawn(async { 1 });
    let b = executor.spawn(async { "two" });
    assert_eq!(
        executor.block_on(async { (a.await, b.await) }),
        (Ok(1), Ok("two"))
    );
    assert_eq!(executor.stats().live_rust_tasks, 0);
}

#[test]
fn a_panicking_task_becomes_a_join_error_not_an_abort() {
    let executor = Executor::new();
    let join = executor.spawn(async {
        panic!("boom in a task");
    });
    let result: Result<(), JoinError> = executor.block_on(join);
    assert_eq!(
        result,
        Err(JoinError::Panicked("boom in a task".to_owned()))
    );
}

#[test]
fn a_detached_task_that_panics_is_recorded() {
    let executor = Executor::new();
    drop(executor.spawn(async {
        panic!("nobody listens");
    }));
    executor.run_until_idle();
    assert_eq!(
        executor.take_failures(),
        [TaskFailure::Panic {
            message: "nobody listens".to_owned()
        }]
    );
}

#[test]
fn aborting_drops_the_future() {
    let executor = Executor::new_virtual();
    let dropped = Rc::new(Cell::new(false));
    struct Flag(Rc<Cell<bool>>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    let flag = Flag(dropped.clone());
    let join = executor.spawn(async move {
        let _flag = flag;
        sleep(Duration::from_secs(100)).await;
    });
    executor.run_until_idle();
    join.abort();
    executor.run_until_idle();
    assert!(dropped.get());
    assert_eq!(executor.block_on(join), Err(JoinError::Cancelled));
    assert_eq!(executor.stats().pending_timers, 0);
}

#[test]
fn dropping_the_executor_cancels_its_tasks() {
    let dropped = Rc::new(Cell::new(0));
    struct Count(Rc<Cell<u32>>);
    impl Drop for Count {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    let mut joins = Vec::new();
    {
        let executor = Executor::new_virtual();
        for _ in 0..5 {
            let c = Count(dropped.clone());
            joins.push(executor.spawn(async move {
                let _c = c;
                sleep(Duration::from_secs(1)).await;
            }));
        }
        executor.run_until_idle();
    }
    assert_eq!(dropped.get(), 5);
    let mut join = joins.pop().unwrap();
    assert_eq!(join.try_take(), Some(Err(JoinError::Cancelled)));
}

#[test]
fn block_on_inside_the_same_executor_is_refused_with_a_clear_panic() {
    let executor = Rc::new(Executor::new());
    let inner = executor.clone();
    let join = executor.spawn(async move { inner.block_on(async { 1 }) });
    match executor.block_on(join) {
        Err(JoinError::Panicked(message)) => {
            assert!(message.contains("entered from inside itself"), "{message}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn wakers_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    let executor = Executor::new();
    executor.block_on(std::future::poll_fn(|cx| {
        assert_send_sync(cx.waker());
        std::task::Poll::Ready(())
    }));
}

#[test]
fn many_short_tasks() {
    let executor = Executor::new();
    let total = Rc::new(Cell::new(0u64));
    for i in 0..10_000u64 {
        let total = total.clone();
        drop(executor.spawn(async move { total.set(total.get() + i) }));
    }
    executor.run_until_idle();
    assert_eq!(total.get(), (0..10_000).sum());
    assert_eq!(executor.stats().live_rust_tasks, 0);
}
