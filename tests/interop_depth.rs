//! Rust awaits C++ awaits Rust ... alternating to depth 10,000 without overflowing the
//! stack (debug builds too): nesting past a bound is queued on the driver instead.

use std::future::IntoFuture;

use corobridge::Executor;
use corobridge_testkit::interop_scenarios as i;

#[test]
fn alternating_depth_ten_thousand_under_corobridge() {
    let executor = Executor::new();
    assert_eq!(executor.block_on(i::cpp_level(10_000)), Ok(10_000));
    let from_rust = i::rust_level(10_001);
    assert_eq!(executor.block_on(i::await_i64(from_rust)), Ok(10_001));
}

#[test]
fn alternating_depth_ten_thousand_under_a_foreign_executor() {
    assert_eq!(
        futures::executor::block_on(i::cpp_level(10_000).into_future()),
        Ok(10_000)
    );
}

#[test]
fn alternating_depth_on_a_small_stack() {
    let result = std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(|| Executor::new().block_on(i::cpp_level(10_000)))
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(result, Ok(10_000));
}
