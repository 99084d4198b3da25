//! Misuse across the boundary: each gives a clear error (a typed Rust error or a C++
//! std::logic_error saying what happened and what to do), never undefined behaviour, a
//! stale value or a silent hang. README's misuse table lists these beside the misuse
//! tested elsewhere.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

use corobridge::{Error, Executor};
use corobridge_testkit::misuse_scenarios as misuse;
use corobridge_testkit::scenarios as s;

#[test]
fn rust_awaiting_a_task_cpp_started_through_its_handle_is_already_started() {
    let task = misuse::started_through_handle();
    assert!(task.has_started());
    let executor = Executor::new();
    assert_eq!(executor.block_on(task), Err(Error::AlreadyStarted));
    // Spawning it is refused the same way, and under a foreign executor too.
    assert_eq!(
        executor.spawn_cpp(misuse::started_through_handle()),
        Err(Error::AlreadyStarted)
    );
    assert_eq!(
        futures::executor::block_on(misuse::started_through_handle().into_future()),
        Err(Error::AlreadyStarted)
    );
    assert!(!s::negate_i64(1).has_started());
}

#[test]
fn cpp_awaiting_a_task_it_resumed_through_its_handle_gets_a_logic_error() {
    let message = Executor::new()
        .block_on(misuse::await_after_handle_resume())
        .expect("the scenario catches the error");
    assert!(
        message.contains("resumed through handle()") && message.contains("co_await it"),
        "{message}"
    );
}

#[test]
fn a_generator_iterator_past_its_end_throws_instead_of_jumping_to_null() {
    let message = misuse::increment_generator_past_end();
    assert!(
        message.contains("incremented an iterator at the end"),
        "{message}"
    );
    let message = misuse::dereference_generator_at_end();
    assert!(
        message.contains("dereferenced an iterator at the end"),
        "{message}"
    );
}

#[test]
fn awaiting_a_finished_task_again_gives_its_value_again_for_every_type() {
    let executor = Executor::new();
    assert_eq!(
        executor
            .block_on(misuse::await_string_task_twice())
            .as_deref(),
        Ok("ab|ab")
    );
    assert_eq!(executor.block_on(misuse::await_int_task_twice()), Ok(84));
}

#[test]
fn awaiting_a_moved_out_task_again_is_a_logic_error() {
    match Executor::new().block_on(misuse::await_moved_task_twice()) {
        Err(Error::Cpp(e)) => {
            assert_eq!(e.type_name(), "std::logic_error");
            assert!(e.what().contains("already moved out"), "{}", e.what());
        }
        other => panic!("expected the second await's logic_error, got {other:?}"),
    }
}

/// Polls `future` once with a no-op waker.
fn poll_now<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(std::task::Waker::noop()))
}

#[test]
fn polling_a_completed_task_future_again_says_so() {
    let executor = Executor::new();
    executor.block_on(async {
        let mut future = s::negate_i64(5).into_future();
        assert_eq!(poll_now(&mut future), Poll::Ready(Ok(-5)));
        match poll_now(&mut future) {
            Poll::Ready(Err(e @ Error::PolledAfterCompletion)) => {
                assert!(e.to_string().contains("already returned its result"), "{e}");
            }
            other => panic!("expected PolledAfterCompletion, got {other:?}"),
        }
    });
}

#[test]
fn running_an_executor_from_another_thread_says_so() {
    let executor = Executor::new_virtual();
    let message = misuse::run_until_idle_from_another_thread(executor.raw_handle());
    assert!(
        message.contains("run_until_idle() called from a thread other than the executor's"),
        "{message}"
    );
    let message = misuse::advance_from_another_thread(executor.raw_handle());
    assert!(
        message.contains("advance() called from a thread other than the executor's"),
        "{message}"
    );
}

#[test]
fn running_an_executor_from_inside_its_own_task_says_so() {
    let message = Executor::new()
        .block_on(misuse::update_engine_from_its_own_task())
        .expect("the scenario catches the error");
    assert!(
        message.contains("run_until_idle() called from inside a task of the same executor"),
        "{message}"
    );
    let message = Executor::new_virtual()
        .block_on(misuse::advance_from_its_own_task())
        .expect("the scenario catches the error");
    assert!(
        message.contains("advance() called from inside a task of the same executor"),
        "{message}"
    );
}

#[test]
fn a_moved_from_task_is_empty_in_both_languages() {
    let executor = Executor::new();
    let empty = misuse::moved_from_task();
    assert!(empty.is_empty() && !empty.has_started());
    match executor.block_on(empty) {
        Err(e @ Error::EmptyTask) => {
            assert!(e.to_string().contains("moved-from or released"), "{e}")
        }
        other => panic!("expected EmptyTask, got {other:?}"),
    }
    assert_eq!(
        executor.spawn_cpp(misuse::moved_from_task()),
        Err(Error::EmptyTask)
    );
    let message = executor
        .block_on(misuse::await_empty_task())
        .expect("caught");
    assert!(message.contains("awaited an empty task"), "{message}");
}

#[test]
fn a_second_awaiter_of_a_running_task_gets_a_logic_error() {
    let message = Executor::new_virtual()
        .block_on(misuse::two_awaiters_of_one_task())
        .expect("caught");
    assert!(message.contains("already running"), "{message}");
}

#[test]
fn spawning_from_another_thread_or_a_started_task_says_which() {
    let executor = Executor::new();
    let message = misuse::spawn_from_another_thread(executor.raw_handle());
    assert!(message.contains("not the executor's thread"), "{message}");
    let message = misuse::spawn_started_task(executor.raw_handle());
    assert!(message.contains("already started"), "{message}");
}

#[test]
fn a_wake_after_the_executor_was_dropped_does_nothing() {
    use std::sync::{Arc, Mutex};
    let slot: Arc<Mutex<Option<std::task::Waker>>> = Arc::default();
    {
        let executor = Executor::new();
        let keep = slot.clone();
        drop(executor.spawn(std::future::poll_fn(move |cx| {
            *keep.lock().unwrap() = Some(cx.waker().clone());
            Poll::<()>::Pending
        })));
        executor.run_until_idle();
    }
    let waker = slot.lock().unwrap().take().expect("the task ran once");
    // From this thread and from another: no effect, no crash.
    waker.wake_by_ref();
    std::thread::spawn(move || waker.wake()).join().unwrap();
}

#[test]
fn a_game_engine_keeps_its_lent_executor_alive() {
    let executor = Executor::new_virtual();
    let mut engine = misuse::new_engine(executor.raw_handle());
    misuse::engine_spawn_waiter(engine.pin_mut(), 32).unwrap();
    misuse::engine_spawn_waiter(engine.pin_mut(), 10_000).unwrap();
    misuse::engine_update(engine.pin_mut()).unwrap();
    // Rust lets go of the executor first: the engine still owns it.
    drop(executor);
    misuse::engine_update(engine.pin_mut()).unwrap();
    misuse::engine_update(engine.pin_mut()).unwrap();
    assert_eq!(misuse::engine_fired(&engine), 1);
    misuse::engine_spawn_waiter(engine.pin_mut(), 16).unwrap();
    misuse::engine_update(engine.pin_mut()).unwrap();
    assert_eq!(misuse::engine_fired(&engine), 2);
    // Dropping the engine, the last owner, destroys the waiter still pending.
    drop(engine);
}

#[test]
fn a_moved_from_game_engine_says_so() {
    let executor = Executor::new_virtual();
    let message = misuse::use_moved_from_engine(executor.raw_handle());
    assert!(
        message.contains("used after it was moved from"),
        "{message}"
    );
}
