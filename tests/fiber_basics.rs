//! Rust-side fiber behaviour: yields from any depth, typed values, the stack pool, the
//! future interface, and misuse errors.

use std::cell::Cell;
use std::rc::Rc;

use corobridge::fiber::{self, FiberError, StackPool};
use corobridge::{Fiber, FiberStep};

fn deep_yield(depth: u32, value: i64) -> i64 {
    if depth == 0 {
        fiber::yield_value::<i64, i64>(value).expect("inside the fiber")
    } else {
        deep_yield(depth - 1, value) + 1
    }
}

#[test]
fn rust_yields_from_deep_calls_keep_the_whole_stack() {
    let f = Fiber::<i64, i64, i64>::new(|first| {
        let local = [first; 64];
        let back = deep_yield(20, first * 2);
        local.iter().sum::<i64>() + back
    })
    .unwrap();
    assert!(!f.is_started());
    assert_eq!(f.resume(3).unwrap(), FiberStep::Yielded(6));
    assert!(f.is_started() && !f.is_finished());
    // 64 * 3 from the kept local array, plus 100 + 20 frames each adding one.
    assert_eq!(f.resume(100).unwrap(), FiberStep::Returned(192 + 120));
    assert!(f.is_finished());
}

#[test]
fn every_value_type_crosses_a_rust_fiber() {
    fn round_trip<T: Clone + PartialEq + std::fmt::Debug + 'static>(a: T, b: T) {
        let (ya, yb) = (a.clone(), b.clone());
        let f = Fiber::<T, T, T>::new(move |input: T| {
            assert_eq!(input, ya);
            fiber::yield_value::<T, T>(input).unwrap()
        })
        .unwrap();
        assert_eq!(f.resume(a.clone()).unwrap(), FiberStep::Yielded(a));
        assert_eq!(f.resume(b).unwrap(), FiberStep::Returned(yb));
    }
    round_trip((), ());
    round_trip(true, false);
    round_trip(1i32, -2);
    round_trip(i64::MIN, i64::MAX);
    round_trip(u64::MAX, 7u64);
    round_trip(1.5f64, -0.25);
    round_trip("héllo".to_owned(), "wörld".to_owned());
    round_trip(vec![1u8, 2, 3], vec![]);
    round_trip(vec!["any", "Rust", "type"], vec!["works"]);
}

#[test]
fn a_pool_reuses_stacks_and_stays_bounded() {
    let pool = StackPool::new(32 * 1024, 2);
    let fibers: Vec<Fiber<(), (), u32>> = (0..4)
        .map(|i| {
            Fiber::builder()
                .pool(&pool)
                .build(move |()| {
                    fiber::yield_value::<(), ()>(()).unwrap();
                    i
                })
                .unwrap()
        })
        .collect();
    for f in &fibers {
        assert!(f.stack_size() >= 32 * 1024);
        assert_eq!(f.resume(()).unwrap(), FiberStep::Yielded(()));
    }
    assert_eq!(pool.stats().allocated, 4);
    for (i, f) in fibers.iter().enumerate() {
        assert_eq!(f.resume(()).unwrap(), FiberStep::Returned(i as u32));
    }
    // Finished fibers gave their stacks back as they finished: two kept, two unmapped.
    let stats = pool.stats();
    assert_eq!((stats.cached, stats.released), (2, 2));
    drop(fibers);
    let again = Fiber::<(), (), ()>::builder()
        .pool(&pool)
        .build(|()| ())
        .unwrap();
    again.resume(()).unwrap();
    assert_eq!(pool.stats().reused, 1);
    assert_eq!(pool.stats().allocated, 4);
    pool.clear();
    assert_eq!(pool.stats().cached, 0);
    assert_eq!(pool.max_cached(), 2);
}

#[test]
fn the_default_pool_serves_fiber_new() {
    let pool = StackPool::thread_default();
    let before = pool.stats();
    for _ in 0..10 {
        let f = Fiber::<(), (), ()>::new(|()| ()).unwrap();
        f.resume(()).unwrap();
    }
    let after = pool.stats();
    assert!(after.allocated - before.allocated <= 1);
    assert!(after.reused - before.reused >= 9);
    assert_eq!(pool.stack_size(), fiber::DEFAULT_STACK_SIZE);
}

#[test]
fn dropping_a_suspended_rust_fiber_runs_its_destructors() {
    struct Guard(Rc<Cell<u32>>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    let dropped = Rc::new(Cell::new(0));
    let d = dropped.clone();
    let f = Fiber::<(), (), ()>::new(move |()| {
        let _outer = Guard(d.clone());
        let _inner = Guard(d);
        fiber::yield_value::<(), ()>(()).unwrap();
        unreachable!("never resumed");
    })
    .unwrap();
    f.resume(()).unwrap();
    assert_eq!(dropped.get(), 0);
    assert_eq!(f.cancel(), Ok(()));
    assert_eq!(dropped.get(), 2);

    // An unstarted fiber drops its body (and what it captured) without running it.
    let flag = Rc::new(Cell::new(0));
    let g = Guard(flag.clone());
    let unstarted = Fiber::<(), (), ()>::new(move |()| drop(g)).unwrap();
    drop(unstarted);
    assert_eq!(flag.get(), 1);
}

#[test]
fn a_panic_in_a_fiber_reaches_the_resumer_as_err() {
    let f = Fiber::<(), (), ()>::new(|()| {
        fiber::yield_value::<(), ()>(()).unwrap();
        panic!("fiber went wrong");
    })
    .unwrap();
    f.resume(()).unwrap();
    assert_eq!(
        f.resume(()),
        Err(FiberError::Panicked("fiber went wrong".into()))
    );
    assert!(f.is_finished());
    assert_eq!(f.resume(()), Err(FiberError::Finished));
}

#[test]
fn misuse_gives_clear_errors() {
    // Yield outside any fiber.
    assert_eq!(
        fiber::yield_value::<(), i32>(1),
        Err(FiberError::NotInFiber)
    );
    assert!(!fiber::in_fiber());
    assert_eq!(
        fiber::sleep(std::time::Duration::ZERO),
        Err(FiberError::NotInFiber)
    );
    assert_eq!(
        fiber::await_future(async { 1 }),
        Err(FiberError::NotInFiber)
    );

    // Resuming a finished fiber.
    let done = Fiber::<(), (), ()>::new(|()| ()).unwrap();
    done.resume(()).unwrap();
    assert_eq!(done.resume(()), Err(FiberError::Finished));
    assert_eq!(
        FiberError::Finished.to_string(),
        "the fiber has finished and cannot be resumed"
    );

    // A fiber resuming itself.
    type SelfSlot = Rc<Cell<Option<Rc<Fiber<(), (), String>>>>>;
    let slot: SelfSlot = Rc::new(Cell::new(None));
    let inner = slot.clone();
    let me = Rc::new(
        Fiber::<(), (), String>::new(move |()| {
            let me = inner.take().expect("installed before the first resume");
            match me.resume(()) {
                Err(e) => e.to_string(),
                Ok(_) => "resumed itself".into(),
            }
        })
        .unwrap(),
    );
    slot.set(Some(me.clone()));
    let message = me.resume(()).unwrap().returned().unwrap();
    assert!(message.contains("cannot resume itself"), "{message}");

    // Yielding the wrong type.
    let wrong = Fiber::<i32, i32, String>::new(|_| {
        fiber::yield_value::<i32, String>("text".into())
            .unwrap_err()
            .to_string()
    })
    .unwrap();
    let message = wrong.resume(0).unwrap().returned().unwrap();
    assert!(
        message.contains("yielded type is alloc::string::String"),
        "{message}"
    );
    assert!(message.contains("this fiber's is i32"), "{message}");

    // Waiting in a fiber that is resumed rather than polled.
    let not_polled =
        Fiber::<(), (), Result<i32, FiberError>>::new(|()| fiber::await_future(async { 5 }))
            .unwrap();
    assert_eq!(
        not_polled.resume(()).unwrap(),
        FiberStep::Returned(Err(FiberError::NotPolled))
    );
}

#[test]
fn nested_fibers_each_keep_their_own_current_fiber() {
    let outer = Fiber::<(), i32, i32>::new(|()| {
        let inner = Fiber::<(), i32, i32>::new(|()| {
            fiber::yield_value::<(), i32>(1).unwrap();
            2
        })
        .unwrap();
        let a = inner.resume(()).unwrap().yielded().unwrap();
        // Back in the outer fiber: its yield goes to the outer resumer.
        fiber::yield_value::<(), i32>(10 + a).unwrap();
        let b = inner.resume(()).unwrap().returned().unwrap();
        100 + b
    })
    .unwrap();
    assert_eq!(outer.resume(()).unwrap(), FiberStep::Yielded(11));
    assert_eq!(outer.resume(()).unwrap(), FiberStep::Returned(102));
}
