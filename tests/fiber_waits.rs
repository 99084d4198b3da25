//! Blocking-style waits inside fibers, from Rust and from deep C++: only the waiting fiber
//! is suspended while the executor runs other work. A fiber is itself a future.

use std::cell::RefCell;
use std::rc::Rc;

use corobridge::fiber::{self, FiberError};
use corobridge::{Executor, Fiber, JoinError};
use corobridge_testkit::fiber_scenarios as fs;
use corobridge_testkit::ms;
use corobridge_testkit::scenarios;

#[test]
fn deep_cpp_sleeps_and_awaits_a_cpp_task_while_only_its_fiber_waits() {
    let executor = Executor::new_virtual();
    let counters = fs::Counters::new();
    let c = counters.clone();
    let fiber =
        Fiber::<(), (), i32>::new(move |()| fs::sleep_then_add(16, 2, 3, 50, &c).unwrap()).unwrap();
    let handle = executor.spawn(fiber);
    // Meanwhile, ordinary async work runs on the same executor.
    let other = executor.spawn(async {
        corobridge::sleep(ms(20)).await;
        "other work"
    });
    executor.advance(ms(20)).unwrap();
    assert_eq!(executor.block_on(other), Ok("other work"));
    assert!(!handle.is_finished());
    assert_eq!(
        counters.alive(),
        4,
        "the fiber's C++ frames are suspended, not finished"
    );
    assert_eq!(executor.block_on(handle), Ok(Ok(5)));
    assert_eq!(executor.now(), ms(66));
    assert_eq!(counters.alive(), 0);
}

#[test]
fn fibers_and_tasks_interleave_by_their_own_waits() {
    let executor = Executor::new_virtual();
    let log = Rc::new(RefCell::new(Vec::new()));
    let (la, lb, lc) = (log.clone(), log.clone(), log.clone());
    let a = Fiber::<(), (), ()>::new(move |()| {
        fs::sleep_then_add(30, 0, 0, 0, &fs::Counters::default()).unwrap();
        la.borrow_mut().push("cpp fiber at 30");
    })
    .unwrap();
    let b = Fiber::<(), (), ()>::new(move |()| {
        fiber::sleep(ms(10)).unwrap();
        lb.borrow_mut().push("rust fiber at 10");
        fiber::sleep(ms(30)).unwrap();
        lb.borrow_mut().push("rust fiber at 40");
    })
    .unwrap();
    let handles = [executor.spawn(a), executor.spawn(b)];
    let task = executor.spawn(async move {
        corobridge::sleep(ms(20)).await;
        lc.borrow_mut().push("async task at 20");
    });
    executor.block_on(task).unwrap();
    for handle in handles {
        assert_eq!(executor.block_on(handle), Ok(Ok(())));
    }
    assert_eq!(
        *log.borrow(),
        [
            "rust fiber at 10",
            "async task at 20",
            "cpp fiber at 30",
            "rust fiber at 40"
        ]
    );
}

#[test]
fn a_rust_fiber_awaits_a_cpp_task_and_a_rust_future() {
    let executor = Executor::new_virtual();
    let fiber = Fiber::<(), (), (i32, String)>::new(|()| {
        let sum = fiber::await_future(scenarios::add_after(20, 22, 5))
            .unwrap()
            .unwrap();
        let text = fiber::await_future(async {
            corobridge::sleep(ms(5)).await;
            "from a Rust future".to_owned()
        })
        .unwrap();
        (sum, text)
    })
    .unwrap();
    assert_eq!(
        executor.block_on(fiber),
        Ok((42, "from a Rust future".to_owned()))
    );
    assert_eq!(executor.now(), ms(10));
}

#[test]
fn an_awaited_cpp_exception_is_rethrown_to_the_cpp_caller_with_its_type() {
    let executor = Executor::new_virtual();
    let fiber = Fiber::<(), (), String>::new(|()| fs::await_throwing_task(7).unwrap()).unwrap();
    assert_eq!(
        executor.block_on(fiber),
        Ok("std::logic_error: the awaited task failed".to_owned())
    );
}

#[test]
fn game_timer_frames_from_a_fiber() {
    let executor = Executor::new_virtual();
    let fiber = Fiber::<(), (), Vec<i64>>::new(|()| fs::game_frames(3).unwrap()).unwrap();
    assert_eq!(executor.block_on(fiber), Ok(vec![16, 32, 48]));
}

#[test]
fn async_rust_awaits_a_fiber_and_a_fiber_awaits_a_fiber() {
    let executor = Executor::new_virtual();
    let result = executor.block_on(async {
        let inner = Fiber::<(), (), i32>::new(|()| {
            fiber::sleep(ms(3)).unwrap();
            4
        })
        .unwrap();
        let outer =
            Fiber::<(), (), i32>::new(move |()| fiber::await_future(inner).unwrap().unwrap() * 10)
                .unwrap();
        outer.await
    });
    assert_eq!(result, Ok(40));
    assert_eq!(executor.now(), ms(3));
}

#[test]
fn a_unit_yield_in_a_polled_fiber_lets_other_work_run() {
    let executor = Executor::new_virtual();
    let log = Rc::new(RefCell::new(Vec::new()));
    let (lf, lt) = (log.clone(), log.clone());
    let fiber = executor.spawn(
        Fiber::<(), (), ()>::new(move |()| {
            for i in 0..3 {
                lf.borrow_mut().push(format!("fiber {i}"));
                fiber::yield_value::<(), ()>(()).unwrap();
            }
        })
        .unwrap(),
    );
    let task = executor.spawn(async move {
        for i in 0..3 {
            lt.borrow_mut().push(format!("task {i}"));
            YieldOnce(false).await;
        }
    });
    executor.block_on(task).unwrap();
    assert_eq!(executor.block_on(fiber), Ok(Ok(())));
    assert_eq!(
        *log.borrow(),
        [
            "fiber 0", "task 0", "fiber 1", "task 1", "fiber 2", "task 2"
        ]
    );
}

/// Pending once (waking itself), then ready: lets other ready work run.
struct YieldOnce(bool);

impl std::future::Future for YieldOnce {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            return std::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

#[test]
fn cancelling_a_fiber_mid_wait_destroys_its_cpp_frames_and_timers() {
    let executor = Executor::new_virtual();
    let counters = fs::Counters::new();
    let c = counters.clone();
    let handle = executor.spawn(
        Fiber::<(), (), i32>::new(move |()| fs::sleep_then_add(5, 1, 1, 1_000, &c).unwrap())
            .unwrap(),
    );
    executor.advance(ms(10)).unwrap();
    assert_eq!(counters.alive(), 4);
    assert!(
        executor.stats().pending_timers >= 1,
        "the C++ task's timer is pending"
    );
    handle.abort();
    executor.run_until_idle();
    assert_eq!(executor.block_on(handle), Err(JoinError::Cancelled));
    assert_eq!(counters.alive(), 0, "the fiber's C++ frames were unwound");
    assert_eq!(
        executor.stats().pending_timers,
        0,
        "the awaited task's timer is gone"
    );
}

#[test]
fn waits_need_a_polled_fiber_and_an_executor() {
    // Driven by resume(): the C++ wait throws corobridge::fiber::not_polled.
    let resumed = Fiber::<(), (), i32>::new(|()| fs::sleep_once().unwrap()).unwrap();
    match resumed.resume(()) {
        Err(FiberError::Cpp(e)) => {
            assert_eq!(e.type_name(), "corobridge::fiber::not_polled");
            assert!(e.what().contains("Fiber::resume"), "{}", e.what());
        }
        other => panic!("expected not_polled, got {other:?}"),
    }
    // Polled by a foreign executor: futures work, corobridge timers do not.
    let foreign = Fiber::<(), (), (String, Result<(), FiberError>)>::new(|()| {
        let hello = fiber::await_future(scenarios::greet("fiber".into()))
            .unwrap()
            .unwrap();
        (hello, fiber::sleep(ms(1)))
    })
    .unwrap();
    assert_eq!(
        futures::executor::block_on(foreign),
        Ok(("Hello, fiber!".to_owned(), Err(FiberError::NoExecutor)))
    );
}

#[test]
fn cancelling_a_rust_fiber_mid_wait_drops_its_future_and_frames() {
    struct Guard(Rc<RefCell<Vec<&'static str>>>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.borrow_mut().push("guard dropped");
        }
    }
    let executor = Executor::new_virtual();
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    let handle = executor.spawn(
        Fiber::<(), (), ()>::new(move |()| {
            let _guard = Guard(l.clone());
            fiber::sleep(ms(1_000)).unwrap();
            l.borrow_mut().push("woke up");
        })
        .unwrap(),
    );
    executor.advance(ms(10)).unwrap();
    assert_eq!(executor.stats().pending_timers, 1);
    handle.abort();
    executor.run_until_idle();
    assert_eq!(executor.block_on(handle), Err(JoinError::Cancelled));
    assert_eq!(*log.borrow(), ["guard dropped"]);
    assert_eq!(
        executor.stats().pending_timers,
        0,
        "the sleep's timer was removed"
    );
}
