//! A C++20 coroutine `co_await`s a fiber's completion (`Fiber::into_cpp`): the fiber's
//! waits suspend only the fiber, failures become C++ exceptions, and destroying the
//! awaiting coroutine unwinds the fiber's stack.

use std::future::IntoFuture;

use corobridge::fiber;
use corobridge::{Executor, Fiber};
use corobridge_testkit::fiber_scenarios as fs;
use corobridge_testkit::interop_scenarios as interop;
use corobridge_testkit::ms;

#[test]
fn a_cpp_coroutine_awaits_a_fiber_whose_deep_cpp_code_waits() {
    let executor = Executor::new_virtual();
    let counters = fs::Counters::new();
    let c = counters.clone();
    // Four C++ calls deep: sleep 16 ms, then await a C++ task sleeping 50 ms (2 + 3).
    let job =
        Fiber::<(), (), i32>::new(move |()| fs::sleep_then_add(16, 2, 3, 50, &c).unwrap()).unwrap();
    let awaiting = executor.spawn(interop::await_i32(job.into_cpp()).into_future());
    // Other work runs on the executor while the fiber waits.
    let other = executor.spawn(async {
        corobridge::sleep(ms(20)).await;
        "other"
    });
    executor.advance(ms(20)).unwrap();
    assert_eq!(executor.block_on(other), Ok("other"));
    assert_eq!(counters.alive(), 4, "the fiber's C++ frames are suspended");
    assert!(!awaiting.is_finished());
    assert_eq!(executor.block_on(awaiting), Ok(Ok(5)));
    assert_eq!(executor.now(), ms(66));
    assert_eq!(counters.alive(), 0);
}

#[test]
fn the_awaiting_coroutine_gets_the_fiber_value_after_its_waits() {
    let executor = Executor::new_virtual();
    let job = Fiber::<(), (), i32>::new(|()| {
        fiber::sleep(ms(10)).unwrap();
        let from_cpp =
            fiber::await_future(interop::await_i32(corobridge::RustFuture::new(async {
                30
            })))
            .unwrap()
            .unwrap();
        fiber::sleep(ms(5)).unwrap();
        from_cpp + 12
    })
    .unwrap();
    assert_eq!(
        executor.block_on(interop::await_i32(job.into_cpp())),
        Ok(42)
    );
    assert_eq!(executor.now(), ms(15));
}

#[test]
fn a_fiber_failure_is_a_cpp_exception_at_the_co_await() {
    let executor = Executor::new_virtual();
    let panics = Fiber::<(), (), i32>::new(|()| {
        fiber::sleep(ms(1)).unwrap();
        panic!("fiber gave up")
    })
    .unwrap();
    let text = executor
        .block_on(interop::describe_i32(panics.into_cpp()))
        .unwrap();
    assert!(
        text.starts_with("rust_error: the fiber panicked: fiber gave up"),
        "{text}"
    );

    // A C++ exception escaping the fiber's C++ code, thrown after two yields.
    let throws = Fiber::<(), (), i32>::new(|()| fs::throw_after_yield(0).unwrap_or(-1)).unwrap();
    let text = executor
        .block_on(interop::describe_i32(throws.into_cpp()))
        .unwrap();
    assert_eq!(
        text,
        "rust_error: a C++ exception escaped the fiber: C++ exception std::runtime_error: \
         thrown after a yield"
    );
}

#[test]
fn destroying_the_awaiting_coroutine_unwinds_the_fiber() {
    let executor = Executor::new_virtual();
    let counters = fs::Counters::new();
    let c = counters.clone();
    let job = Fiber::<(), (), i32>::new(move |()| fs::sleep_then_add(1_000, 1, 1, 0, &c).unwrap())
        .unwrap();
    let task = interop::await_i32(job.into_cpp());
    let root = executor.spawn_cpp(task).unwrap();
    executor.advance(ms(10)).unwrap();
    assert_eq!(counters.alive(), 4);
    // Destroys the C++ coroutine, which drops the fiber mid-wait.
    assert!(executor.cancel_cpp(root));
    assert_eq!(counters.alive(), 0, "the fiber's C++ destructors ran");

    // The same when the executor itself goes away with the coroutine suspended.
    let executor = Executor::new_virtual();
    let c = counters.clone();
    let job = Fiber::<(), (), i32>::new(move |()| fs::sleep_then_add(1_000, 1, 1, 0, &c).unwrap())
        .unwrap();
    executor
        .spawn_cpp(interop::await_i32(job.into_cpp()))
        .unwrap();
    executor.advance(ms(10)).unwrap();
    assert_eq!(counters.alive(), 4);
    drop(executor);
    assert_eq!(counters.alive(), 0);
}
