//! Long chains do not overflow the stack, in debug builds too (`cargo test` compiles the
//! C++ at -O0, where GCC turns no symmetric transfer into a tail call).

use std::future::IntoFuture;

use corobridge::Executor;
use corobridge_testkit::scenarios as s;

#[test]
fn a_million_synchronously_completing_awaits_in_one_loop() {
    let executor = Executor::new();
    assert_eq!(executor.block_on(s::sum_awaits(1_000_000)), Ok(1_000_000));
}

#[test]
fn a_million_awaits_under_a_foreign_executor_too() {
    assert_eq!(
        futures::executor::block_on(s::sum_awaits(1_000_000).into_future()),
        Ok(1_000_000)
    );
}

#[test]
fn a_hundred_thousand_nested_tasks_completing_in_a_cascade() {
    // The innermost task sleeps, so every level finishes from a timer resumption: a
    // cascade of 100,000 final suspends handing control to their awaiters.
    let executor = Executor::new_virtual();
    assert_eq!(executor.block_on(s::nested_chain(100_000)), Ok(100_000));
}

#[test]
fn a_hundred_thousand_nested_tasks_that_never_suspend() {
    let executor = Executor::new();
    assert_eq!(
        executor.block_on(s::nested_sync_chain(100_000)),
        Ok(100_000)
    );
}

#[test]
fn deep_chains_under_a_foreign_executor() {
    let result = futures::executor::block_on(s::nested_sync_chain(100_000).into_future());
    assert_eq!(result, Ok(100_000));
}

#[test]
fn a_long_chain_on_a_small_thread_stack() {
    // 256 KiB is enough: depth is bounded by queueing, not by the stack size.
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let executor = Executor::new_virtual();
            let nested = executor.block_on(s::nested_chain(20_000));
            let sync = executor.block_on(s::nested_sync_chain(20_000));
            (nested, sync)
        })
        .unwrap();
    assert_eq!(handle.join().unwrap(), (Ok(20_000), Ok(20_000)));
}
