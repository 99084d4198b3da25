//! Errors cross a fiber as values: a Rust panic through C++ frames, a C++ exception out of
//! the fiber's C++ code; never an abort.

use corobridge::fiber::FiberError;
use corobridge::{Fiber, FiberStep};
use corobridge_testkit::fiber_scenarios as s;

#[test]
fn a_cpp_exception_escaping_the_fiber_reaches_the_resumer_as_err() {
    let f = Fiber::<(), (), i32>::new(|()| s::throw_after_yield(0).unwrap()).unwrap();
    assert_eq!(f.resume(()).unwrap(), FiberStep::Yielded(()));
    match f.resume(()) {
        Err(FiberError::Cpp(e)) => {
            assert_eq!(e.type_name(), "std::runtime_error");
            assert_eq!(e.what(), "thrown after a yield");
        }
        other => panic!("expected a C++ exception, got {other:?}"),
    }
    assert!(f.is_finished());
    assert_eq!(f.resume(()), Err(FiberError::Finished));
}

#[test]
fn a_non_std_cpp_exception_is_described_too() {
    let f = Fiber::<(), (), i32>::new(|()| s::throw_after_yield(1).unwrap()).unwrap();
    f.resume(()).unwrap();
    match f.resume(()) {
        Err(FiberError::Cpp(e)) => {
            assert_eq!(e.type_name(), "int");
            assert!(e.what().contains("not derived from std::exception"));
        }
        other => panic!("expected a C++ exception, got {other:?}"),
    }
}

#[test]
fn a_rust_panic_passes_through_cpp_frames_running_their_destructors() {
    let counters = s::Counters::new();
    let c = counters.clone();
    let f = Fiber::<(), (), i32>::new(move |()| {
        s::call_rust(
            || {
                corobridge::fiber::yield_value::<(), ()>(()).unwrap();
                panic!("panic under four C++ frames")
            },
            &c,
        )
        .unwrap()
    })
    .unwrap();
    assert_eq!(f.resume(()).unwrap(), FiberStep::Yielded(()));
    assert_eq!(counters.alive(), 4);
    assert_eq!(
        f.resume(()),
        Err(FiberError::Panicked("panic under four C++ frames".into()))
    );
    assert_eq!(
        counters.alive(),
        0,
        "the C++ destructors ran during the panic"
    );
}

#[test]
fn dropping_a_fiber_suspended_in_rust_under_cpp_frames_unwinds_them() {
    let counters = s::Counters::new();
    let c = counters.clone();
    let f = Fiber::<(), (), i32>::new(move |()| {
        s::call_rust(
            || {
                corobridge::fiber::yield_value::<(), ()>(()).unwrap();
                1
            },
            &c,
        )
        .unwrap()
    })
    .unwrap();
    f.resume(()).unwrap();
    assert_eq!(counters.alive(), 4);
    assert_eq!(f.cancel(), Ok(()));
    assert_eq!(counters.alive(), 0);
}

#[test]
fn a_panic_in_one_fiber_leaves_the_others_running() {
    let good = Fiber::<(), i32, i32>::new(|()| {
        corobridge::fiber::yield_value::<(), i32>(1).unwrap();
        2
    })
    .unwrap();
    let bad = Fiber::<(), (), ()>::new(|()| panic!("only me")).unwrap();
    assert_eq!(good.resume(()).unwrap(), FiberStep::Yielded(1));
    assert!(matches!(bad.resume(()), Err(FiberError::Panicked(_))));
    assert_eq!(good.resume(()).unwrap(), FiberStep::Returned(2));
}
