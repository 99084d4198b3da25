//! C++ exceptions reach Rust as typed errors: type name and `what()`, never an abort.

use corobridge::{CppException, Error, Executor, TaskFailure};
use corobridge_testkit::scenarios as s;
use std::future::IntoFuture;

fn cpp_error<T: std::fmt::Debug>(result: Result<T, Error>) -> CppException {
    match result {
        Err(Error::Cpp(e)) => e,
        other => panic!("expected a C++ exception, got {other:?}"),
    }
}

#[test]
fn runtime_error_carries_type_and_message() {
    let executor = Executor::new();
    let e = cpp_error(executor.block_on(s::throw_runtime_error("disk on fire".into())));
    assert_eq!(e.type_name(), "std::runtime_error");
    assert_eq!(e.what(), "disk on fire");
    assert_eq!(
        e.to_string(),
        "C++ exception std::runtime_error: disk on fire"
    );
}

#[test]
fn a_custom_exception_type_keeps_its_name() {
    let e = cpp_error(Executor::new().block_on(s::throw_custom(7)));
    assert_eq!(e.type_name(), "corobridge::scenarios::custom_error");
    assert_eq!(e.what(), "custom failure 7");
}

#[test]
fn a_non_std_exception_is_described_too() {
    let e = cpp_error(Executor::new().block_on(s::throw_non_std()));
    assert_eq!(e.type_name(), "int");
    assert!(e.what().contains("not derived from std::exception"));
}

#[test]
fn an_exception_after_a_suspension_crosses_too() {
    let executor = Executor::new_virtual();
    let e = cpp_error(executor.block_on(s::sleep_then_throw(25)));
    assert_eq!(e.type_name(), "std::logic_error");
    assert_eq!(e.what(), "failed after sleeping");
}

#[test]
fn exceptions_cross_under_a_foreign_executor() {
    let e = cpp_error(futures::executor::block_on(
        s::throw_runtime_error("far away".into()).into_future(),
    ));
    assert_eq!(e.what(), "far away");
}

#[test]
fn cpp_catches_an_exception_from_an_awaited_cpp_task() {
    assert_eq!(Executor::new().block_on(s::catch_inner_exception()), Ok(7));
}

#[test]
fn a_generator_exception_ends_it_with_one_err() {
    let items: Vec<_> = s::count_then_throw(3).collect();
    assert_eq!(items.len(), 4);
    assert_eq!(items[..3], [Ok(0), Ok(1), Ok(2)]);
    let e = cpp_error(items[3].clone());
    assert_eq!(e.type_name(), "std::out_of_range");
    assert_eq!(e.what(), "generator ran out");
}

#[test]
fn a_spawned_cpp_task_that_throws_is_recorded_by_the_executor() {
    let executor = Executor::new_virtual();
    let root = executor.spawn_cpp(s::sleep_then_throw(10)).unwrap();
    executor
        .advance(std::time::Duration::from_millis(10))
        .unwrap();
    assert_eq!(executor.stats().live_cpp_tasks, 0);
    let failures = executor.take_failures();
    assert_eq!(failures.len(), 1);
    match &failures[0] {
        TaskFailure::Cpp {
            root: id,
            exception,
        } => {
            assert_eq!(*id, root);
            assert_eq!(exception.type_name(), "std::logic_error");
        }
        other => panic!("unexpected failure {other:?}"),
    }
    assert!(
        executor.take_failures().is_empty(),
        "failures are taken once"
    );
}
