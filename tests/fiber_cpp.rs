//! C++ code suspends the Rust fiber it runs in, from any depth of ordinary C++ calls:
//! typed values both ways, and destruction mid-suspend
//! unwinding the C++ frames.

use std::cell::Cell;
use std::rc::Rc;

use corobridge::fiber::{self, FiberError};
use corobridge::{Fiber, FiberStep};
use corobridge_testkit::fiber_scenarios as s;

#[test]
fn cpp_yields_from_depth_ten_and_reads_the_resume_input() {
    let counters = s::Counters::new();
    let c = counters.clone();
    let f = Fiber::<i32, i32, i32>::new(move |start| s::yield_at_depth(10, start, 3, &c).unwrap())
        .unwrap();
    assert_eq!(f.resume(100).unwrap(), FiberStep::Yielded(101));
    assert_eq!(counters.alive(), 10, "ten C++ frames are suspended");
    assert_eq!(f.resume(200).unwrap(), FiberStep::Yielded(201));
    assert_eq!(f.resume(300).unwrap(), FiberStep::Yielded(301));
    assert_eq!(f.resume(-5).unwrap(), FiberStep::Returned(-5));
    assert_eq!((counters.constructed(), counters.destroyed()), (10, 10));
}

#[test]
fn every_value_type_crosses_from_cpp_and_back() {
    let unit = Fiber::<(), (), i32>::new(|()| s::echo_unit(2).unwrap()).unwrap();
    assert_eq!(unit.resume(()).unwrap(), FiberStep::Yielded(()));
    assert_eq!(unit.resume(()).unwrap(), FiberStep::Yielded(()));
    assert_eq!(unit.resume(()).unwrap(), FiberStep::Returned(2));

    let b = Fiber::<bool, bool, bool>::new(|x| s::echo_bool(x, 1).unwrap()).unwrap();
    assert_eq!(b.resume(true).unwrap(), FiberStep::Yielded(true));
    assert_eq!(b.resume(true).unwrap(), FiberStep::Returned(false));

    let i = Fiber::<i32, i32, i32>::new(|x| s::echo_i32(x, 2).unwrap()).unwrap();
    assert_eq!(i.resume(-7).unwrap(), FiberStep::Yielded(-7));
    assert_eq!(i.resume(21).unwrap(), FiberStep::Yielded(42));
    assert_eq!(i.resume(1 << 29).unwrap(), FiberStep::Returned(1 << 30));

    let l = Fiber::<i64, i64, i64>::new(|x| s::echo_i64(x, 1).unwrap()).unwrap();
    assert_eq!(l.resume(i64::MAX).unwrap(), FiberStep::Yielded(i64::MAX));
    assert_eq!(l.resume(i64::MAX).unwrap(), FiberStep::Returned(-i64::MAX));

    let u = Fiber::<u64, u64, u64>::new(|x| s::echo_u64(x, 1).unwrap()).unwrap();
    assert_eq!(
        u.resume(u64::MAX - 1).unwrap(),
        FiberStep::Yielded(u64::MAX - 1)
    );
    assert_eq!(
        u.resume(u64::MAX - 1).unwrap(),
        FiberStep::Returned(u64::MAX)
    );

    let d = Fiber::<f64, f64, f64>::new(|x| s::echo_f64(x, 1).unwrap()).unwrap();
    assert_eq!(d.resume(0.1).unwrap(), FiberStep::Yielded(0.1));
    assert_eq!(d.resume(3.0).unwrap(), FiberStep::Returned(1.5));

    let t = Fiber::<String, String, String>::new(|x| s::echo_string(&x, 2).unwrap()).unwrap();
    assert_eq!(
        t.resume("héllo".into()).unwrap(),
        FiberStep::Yielded("héllo".into())
    );
    assert_eq!(
        t.resume("a".into()).unwrap(),
        FiberStep::Yielded("a!".into())
    );
    assert_eq!(
        t.resume("wörld".into()).unwrap(),
        FiberStep::Returned("wörld!".into())
    );

    let v = Fiber::<Vec<u8>, Vec<u8>, Vec<u8>>::new(|x| s::echo_bytes(&x, 1).unwrap()).unwrap();
    assert_eq!(
        v.resume(vec![9, 8]).unwrap(),
        FiberStep::Yielded(vec![9, 8])
    );
    assert_eq!(
        v.resume(vec![0; 3]).unwrap(),
        FiberStep::Returned(vec![0, 0, 0, 3])
    );
}

#[test]
fn a_cpp_yield_of_the_wrong_type_is_a_type_mismatch_not_ub() {
    // C++ yields std::int64_t inside a fiber that yields i32.
    let f = Fiber::<i64, i32, i64>::new(|x| s::echo_i64(x, 1).unwrap()).unwrap();
    match f.resume(1) {
        Err(FiberError::Cpp(e)) => {
            assert_eq!(e.type_name(), "corobridge::fiber::type_mismatch");
            assert!(
                e.what().contains("yielded type std::int64_t / i64"),
                "{}",
                e.what()
            );
            assert!(e.what().contains("std::int32_t / i32"), "{}", e.what());
        }
        other => panic!("expected a type mismatch, got {other:?}"),
    }
    // The resume type is checked too: C++ wants a std::string back, the fiber gives i32.
    let g = Fiber::<i32, String, String>::new(|_| s::echo_string("x", 1).unwrap()).unwrap();
    match g.resume(1) {
        Err(FiberError::Cpp(e)) => assert!(e.what().contains("resume type"), "{}", e.what()),
        other => panic!("expected a type mismatch, got {other:?}"),
    }
}

#[test]
fn dropping_a_fiber_suspended_in_cpp_unwinds_the_cpp_frames() {
    let counters = s::Counters::new();
    let rust_dropped = Rc::new(Cell::new(false));
    struct Flag(Rc<Cell<bool>>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    let (c, flag) = (counters.clone(), Flag(rust_dropped.clone()));
    let f = Fiber::<i32, i32, i32>::new(move |start| {
        let _flag = flag;
        s::yield_at_depth(6, start, -1, &c).unwrap()
    })
    .unwrap();
    assert_eq!(f.resume(0).unwrap(), FiberStep::Yielded(1));
    assert_eq!(counters.alive(), 6);
    drop(f);
    assert_eq!(counters.alive(), 0, "every C++ destructor ran");
    assert_eq!(counters.destroyed(), 6);
    assert!(
        rust_dropped.get(),
        "the Rust frame below ran its destructor too"
    );
}

#[test]
fn a_catch_all_that_rethrows_lets_the_unwind_through() {
    let counters = s::Counters::new();
    let c = counters.clone();
    let f = Fiber::<(), (), i32>::new(move |()| s::rethrow_unwind(&c).unwrap()).unwrap();
    f.resume(()).unwrap();
    assert_eq!(counters.alive(), 5);
    assert_eq!(f.cancel(), Ok(()));
    assert_eq!(counters.alive(), 0);
}

#[test]
fn a_catch_all_that_swallows_the_unwind_is_detected() {
    let counters = s::Counters::new();
    let c = counters.clone();
    let f = Fiber::<(), (), i32>::new(move |()| s::swallow_unwind(&c).unwrap()).unwrap();
    f.resume(()).unwrap();
    let error = f.cancel().unwrap_err();
    assert_eq!(error, FiberError::UnwindSwallowed);
    assert!(error.to_string().contains("swallowed the forced unwind"));
    assert!(error.to_string().contains("throw;"));
    // The frames were destroyed all the same.
    assert_eq!(counters.alive(), 0);
}

#[test]
fn cpp_and_rust_agree_on_being_in_a_fiber() {
    assert!(!s::in_fiber_cpp());
    let f =
        Fiber::<(), (), (bool, bool)>::new(|()| (s::in_fiber_cpp(), fiber::in_fiber())).unwrap();
    assert_eq!(f.resume(()).unwrap(), FiberStep::Returned((true, true)));
}

#[test]
fn a_cpp_yield_outside_a_fiber_throws_not_in_fiber() {
    let message = s::yield_outside();
    assert!(
        message.starts_with("corobridge::fiber::not_in_fiber: "),
        "{message}"
    );
    assert!(message.contains("outside a fiber"), "{message}");
    // And the Rust wrappers refuse to call C++ that would yield outside a fiber.
    assert_eq!(s::echo_i32(1, 1), Err(FiberError::NotInFiber));
}
