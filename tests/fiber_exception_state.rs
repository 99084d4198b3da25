//! Every fiber keeps its own C++ exception state (`std::current_exception()`,
//! `std::uncaught_exceptions()`), saved and restored on every switch, as Boost.Context had
//! to (boostorg/context#281).

use corobridge::{Fiber, FiberStep};
use corobridge_testkit::fiber_scenarios as s;

#[test]
fn fibers_suspended_in_catch_blocks_keep_their_own_current_exception() {
    let a = Fiber::<(), (), i32>::new(|()| s::yield_in_catch("fiber A's").unwrap()).unwrap();
    let b = Fiber::<(), (), i32>::new(|()| s::throw_catch_between().unwrap()).unwrap();

    assert_eq!(a.resume(()).unwrap(), FiberStep::Yielded(()));
    // A is suspended inside its catch block; the resumer sees no exception of A's.
    assert!(!s::has_current_exception());
    assert_eq!(s::uncaught_exceptions(), 0);

    // B throws and catches another exception in the meantime and suspends in its catch.
    assert_eq!(b.resume(()).unwrap(), FiberStep::Yielded(()));
    assert!(!s::has_current_exception());

    // Each finds its own exception when resumed, in either order.
    assert_eq!(b.resume(()).unwrap(), FiberStep::Returned(1));
    assert_eq!(a.resume(()).unwrap(), FiberStep::Returned(1));
    assert!(!s::has_current_exception());
}

#[test]
fn a_fiber_suspended_during_unwinding_keeps_its_uncaught_count() {
    let unwinding = Fiber::<(), (), i32>::new(|()| s::yield_during_unwind().unwrap()).unwrap();
    assert_eq!(unwinding.resume(()).unwrap(), FiberStep::Yielded(()));
    // The fiber has an exception in flight; this thread, outside it, has none.
    assert_eq!(s::uncaught_exceptions(), 0);
    let other = Fiber::<(), (), i32>::new(|()| s::yield_in_catch("other").unwrap()).unwrap();
    other.resume(()).unwrap();
    assert_eq!(other.resume(()).unwrap(), FiberStep::Returned(1));
    // 1 in flight before the yield, still 1 after it.
    assert_eq!(unwinding.resume(()).unwrap(), FiberStep::Returned(11));
}

#[test]
fn a_resumer_inside_a_catch_block_keeps_its_exception_across_fiber_switches() {
    let a = Fiber::<(), (), i32>::new(|()| s::yield_in_catch("inner").unwrap()).unwrap();
    let result = s::inside_catch(|| {
        // Inside the resumer's catch block: run a fiber that throws, catches and suspends.
        assert_eq!(a.resume(()).unwrap(), FiberStep::Yielded(()));
        assert!(s::has_current_exception());
        5
    });
    assert_eq!(result, 5, "the resumer's current exception survived");
    assert_eq!(a.resume(()).unwrap(), FiberStep::Returned(1));
}

#[test]
fn states_are_swapped_back_and_forth_as_either_side_enters_and_leaves_a_catch() {
    let fiber = Fiber::<(), (), i32>::new(|()| s::catch_then_plain_yields().unwrap()).unwrap();
    // 1: the fiber suspends inside its catch; the resumer has no exception.
    assert_eq!(fiber.resume(()).unwrap(), FiberStep::Yielded(()));
    assert!(!s::has_current_exception());
    // 2: resumed from inside the resumer's catch: the fiber sees its own exception, leaves
    // its catch and suspends with none; the resumer still has its own.
    let inside = s::inside_catch(|| {
        assert_eq!(fiber.resume(()).unwrap(), FiberStep::Yielded(()));
        assert!(s::has_current_exception());
        7
    });
    assert_eq!(inside, 7, "the resumer's current exception survived");
    // 3: resumed from outside any catch: neither side has an exception now.
    assert!(!s::has_current_exception());
    assert_eq!(fiber.resume(()).unwrap(), FiberStep::Yielded(()));
    assert!(!s::has_current_exception());
    assert_eq!(s::uncaught_exceptions(), 0);
    assert_eq!(fiber.resume(()).unwrap(), FiberStep::Returned(1));
    assert!(!s::has_current_exception());
}

#[test]
fn dropping_a_fiber_suspended_in_a_catch_block_ends_its_catch_and_leaves_the_resumer_clean() {
    let fiber = Fiber::<(), (), i32>::new(|()| s::yield_in_catch("dropped").unwrap()).unwrap();
    assert_eq!(fiber.resume(()).unwrap(), FiberStep::Yielded(()));
    // Destroyed from inside the resumer's own catch block: the fiber's unwind runs with the
    // fiber's state installed (its catch block ends, its exception is freed: valgrind
    // checks), and the resumer gets its own state back.
    let mut fiber = Some(fiber);
    let inside = s::inside_catch(|| {
        let fiber = fiber.take().expect("called once");
        assert_eq!(fiber.cancel(), Ok(()));
        assert!(s::has_current_exception());
        assert_eq!(s::uncaught_exceptions(), 0);
        3
    });
    assert_eq!(inside, 3, "the resumer's current exception survived");
    assert!(!s::has_current_exception());
    assert_eq!(s::uncaught_exceptions(), 0);
}
