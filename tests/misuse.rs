//! Misuse across the boundary: each gives a clear error (a typed Rust error or a C++
//! std::logic_error saying what happened and what to do), never undefined behaviour, a
//! stale value or a silent hang. README's misuse table lists these beside the misuse
//! tested elsewhere.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use corobridge::{CppException, Error, Executor, JoinError, TaskFailure};
use corobridge_testkit::misuse_scenarios as misuse;
use corobridge_testkit::scenarios as s;
use futures::StreamExt;
use futures::stream::FuturesUnordered;

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

// ---- Nested blocking and undriven handles: refused at once, never a silent hang --------

/// The explanation corobridge gives for futures' refusal of a nested block_on.
fn says_nested_block_on(message: &str) -> bool {
    message.contains("futures::executor::block_on")
        && message.contains("would hang forever")
        && message.contains(".await the future instead")
}

#[test]
fn futures_block_on_of_a_cpp_task_inside_a_task_fails_at_once_saying_why() {
    // A real clock: had the nested block_on been allowed to block the executor's thread,
    // the C++ task's 1 ms timer would never fire and this would hang.
    let executor = Executor::new();
    let handle =
        executor.spawn(async { futures::executor::block_on(s::add_after(1, 2, 1).into_future()) });
    match executor.block_on(handle) {
        Err(JoinError::Panicked(message)) => {
            assert!(says_nested_block_on(&message), "{message}")
        }
        other => panic!("expected the nested block_on's panic, got {other:?}"),
    }
    // The executor is untouched and keeps working.
    assert_eq!(executor.block_on(s::add_after(1, 2, 1)), Ok(3));
}

#[test]
fn futures_block_on_of_a_sleep_inside_a_task_fails_at_once_saying_why() {
    let executor = Executor::new_virtual();
    let handle = executor.spawn(async {
        futures::executor::block_on(corobridge::sleep(Duration::from_millis(5)));
    });
    match executor.block_on(handle) {
        Err(JoinError::Panicked(message)) => {
            assert!(says_nested_block_on(&message), "{message}")
        }
        other => panic!("expected the nested block_on's panic, got {other:?}"),
    }
    assert_eq!(
        executor.now(),
        Duration::ZERO,
        "no timer was ever registered"
    );
}

#[test]
fn futures_block_on_inside_executor_block_on_panics_saying_why() {
    let executor = Executor::new_virtual();
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        executor.block_on(async {
            futures::executor::block_on(corobridge::sleep(Duration::from_millis(5)));
        })
    }))
    .expect_err("the nested block_on panics");
    let message = payload
        .downcast_ref::<String>()
        .expect("a formatted message");
    assert!(says_nested_block_on(message), "{message}");
    // The run loop was left cleanly: the executor runs again.
    assert_eq!(executor.block_on(async { 7 }), 7);
}

/// C++ tasks with timers and corobridge sleeps, combined inside a corobridge task with
/// futures' combinators (which poll them with wakers of their own): the values, in the
/// order their timers fire.
async fn combinators_inside_a_task() -> (Vec<i32>, i32, Vec<i32>) {
    let mut unordered: FuturesUnordered<Pin<Box<dyn Future<Output = i32>>>> =
        FuturesUnordered::new();
    for (value, delay) in [(30, 30), (10, 10), (20, 20)] {
        unordered.push(Box::pin(async move {
            s::add_after(value, 0, delay).await.expect("no exception")
        }));
    }
    unordered.push(Box::pin(async {
        corobridge::sleep(Duration::from_millis(15)).await;
        15
    }));
    let mut fired = Vec::new();
    while let Some(value) = unordered.next().await {
        fired.push(value);
    }
    let (a, b, ()) = futures::join!(
        s::add_after(1, 1, 5).into_future(),
        s::add_after(2, 2, 3).into_future(),
        corobridge::sleep(Duration::from_millis(4)),
    );
    let joined = a.expect("no exception") + b.expect("no exception");
    let all =
        futures::future::join_all((1..=3).map(|i| s::add_after(i, 0, i64::from(i)).into_future()))
            .await
            .into_iter()
            .map(|r| r.expect("no exception"))
            .collect();
    (fired, joined, all)
}

#[test]
fn futures_combinators_of_cpp_tasks_and_sleeps_inside_a_task_still_work() {
    let expected = (vec![10, 15, 20, 30], 6, vec![1, 2, 3]);
    let executor = Executor::new_virtual();
    let handle = executor.spawn(combinators_inside_a_task());
    assert_eq!(executor.block_on(handle), Ok(expected.clone()));
    assert_eq!(executor.now(), Duration::from_millis(30 + 5 + 3));
    // The same on a real clock, and as block_on's own future.
    let executor = Executor::new();
    assert_eq!(executor.block_on(combinators_inside_a_task()), expected);
}

#[test]
fn futures_block_on_of_a_join_handle_nobody_drives_is_not_driven() {
    // A virtual clock: the timer cannot fire inside run_until_idle, however slow the run.
    let executor = Executor::new_virtual();
    // Waiting on a timer, after a run of the executor...
    let sleeper = executor.spawn(async {
        corobridge::sleep(Duration::from_millis(1)).await;
        1
    });
    executor.run_until_idle();
    match futures::executor::block_on(sleeper) {
        Err(e @ JoinError::NotDriven) => {
            let message = e.to_string();
            assert!(
                message.contains("hang forever") && message.contains("executor.block_on(handle)"),
                "{message}"
            );
        }
        other => panic!("expected NotDriven, got {other:?}"),
    }
    // ... and never started at all.
    let unstarted = executor.spawn(async { 2 });
    assert_eq!(
        futures::executor::block_on(unstarted),
        Err(JoinError::NotDriven)
    );
    // Awaited as the message says, a handle completes.
    assert_eq!(executor.block_on(executor.spawn(async { 3 })), Ok(3));
}

/// Returns Pending once (waking itself), then Ready: lets sibling futures run.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.0, true) {
            Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

#[test]
fn a_join_handle_awaited_inside_futures_while_a_sibling_runs_the_executor_completes() {
    let executor = Executor::new_virtual();
    let handle = executor.spawn(async {
        corobridge::sleep(Duration::from_millis(48)).await;
        s::add_after(40, 2, 16).await
    });
    let done = std::cell::Cell::new(false);
    // The handle is polled first, before anything ran the executor.
    let (result, ()) = futures::executor::block_on(async {
        futures::join!(
            async {
                let result = handle.await;
                done.set(true);
                result
            },
            async {
                while !done.get() {
                    executor
                        .advance(Duration::from_millis(16))
                        .expect("virtual");
                    YieldOnce(false).await;
                }
            },
        )
    });
    assert_eq!(result, Ok(Ok(42)));
    assert_eq!(executor.now(), Duration::from_millis(64));
}

#[test]
fn a_join_handle_awaited_from_tokio_while_the_executor_runs_completes() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    let local = tokio::task::LocalSet::new();
    let executor = std::rc::Rc::new(Executor::new());
    let handle = executor.spawn(async {
        corobridge::sleep(Duration::from_millis(2)).await;
        s::add_after(40, 2, 1).await
    });
    let driver = executor.clone();
    let result = local.block_on(&runtime, async move {
        let drive = tokio::task::spawn_local(async move {
            loop {
                driver.run_until_idle();
                tokio::time::sleep(Duration::from_micros(200)).await;
            }
        });
        let result = handle.await;
        drive.abort();
        result
    });
    assert_eq!(result, Ok(Ok(42)));
}

/// Both tokio runtime flavours.
fn tokio_runtimes() -> [tokio::runtime::Runtime; 2] {
    [
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a current-thread runtime"),
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_time()
            .build()
            .expect("a multi-thread runtime"),
    ]
}

/// The refusal of a tokio block_on nested inside a corobridge task, naming `what`.
fn says_nested_tokio_block_on(message: &str, what: &str) -> bool {
    message.contains("tokio's block_on")
        && message.contains(what)
        && message.contains("would hang forever")
        && message.contains(".await it instead")
}

/// Runs `body` as a corobridge task on a real clock and returns its panic message.
fn panic_of_task(body: impl Future<Output = ()> + 'static) -> String {
    let executor = Executor::new();
    match executor.block_on(executor.spawn(body)) {
        Err(JoinError::Panicked(message)) => {
            // The executor is untouched and keeps working.
            assert_eq!(executor.block_on(s::add_after(1, 2, 1)), Ok(3));
            message
        }
        other => panic!("expected the nested tokio block_on's panic, got {other:?}"),
    }
}

#[test]
fn tokio_block_on_of_a_suspending_cpp_task_inside_a_task_fails_at_once_saying_why() {
    // A real clock: had tokio's block_on been allowed to block the executor's thread, the
    // C++ task's 1 ms timer would never fire and this would hang.
    for runtime in tokio_runtimes() {
        let message = panic_of_task(async move {
            let _ = runtime.block_on(s::add_after(1, 2, 1).into_future());
        });
        assert!(
            says_nested_tokio_block_on(&message, "a C++ coroutine (task or stream)"),
            "{message}"
        );
    }
    // A C++ task that never suspends has nothing to wait for: it just completes.
    let executor = Executor::new();
    let [runtime, _] = tokio_runtimes();
    let handle = executor.spawn(async move { runtime.block_on(s::negate_i64(5).into_future()) });
    assert_eq!(executor.block_on(handle), Ok(Ok(-5)));
}

#[test]
fn tokio_block_on_of_a_sleep_inside_a_task_fails_at_once_saying_why() {
    for runtime in tokio_runtimes() {
        let message = panic_of_task(async move {
            runtime.block_on(corobridge::sleep(Duration::from_millis(5)));
        });
        assert!(
            says_nested_tokio_block_on(&message, "a corobridge::sleep"),
            "{message}"
        );
    }
}

#[test]
fn tokio_block_on_of_a_join_handle_inside_a_task_fails_at_once_saying_why() {
    let executor = std::rc::Rc::new(Executor::new());
    let [runtime, _] = tokio_runtimes();
    let inner = executor.spawn(async {
        corobridge::sleep(Duration::from_millis(1)).await;
        1
    });
    let handle = executor.spawn(async move {
        let _ = runtime.block_on(inner);
    });
    match executor.block_on(handle) {
        Err(JoinError::Panicked(message)) => assert!(
            says_nested_tokio_block_on(&message, "the JoinHandle of a corobridge task"),
            "{message}"
        ),
        other => panic!("expected the nested tokio block_on's panic, got {other:?}"),
    }
}

#[test]
fn tokio_block_on_inside_executor_block_on_panics_saying_why() {
    let executor = Executor::new();
    let [runtime, _] = tokio_runtimes();
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        executor.block_on(async {
            runtime.block_on(corobridge::sleep(Duration::from_millis(5)));
        })
    }))
    .expect_err("the nested block_on panics");
    let message = payload
        .downcast_ref::<String>()
        .expect("a formatted message");
    assert!(
        says_nested_tokio_block_on(message, "a corobridge::sleep"),
        "{message}"
    );
    assert_eq!(executor.block_on(async { 7 }), 7);
}

#[test]
fn tokio_block_on_of_a_join_handle_nobody_drives_is_not_driven() {
    for runtime in tokio_runtimes() {
        let executor = Executor::new_virtual();
        let sleeper = executor.spawn(async {
            corobridge::sleep(Duration::from_millis(1)).await;
            1
        });
        executor.run_until_idle();
        assert_eq!(runtime.block_on(sleeper), Err(JoinError::NotDriven));
        let unstarted = executor.spawn(async { 2 });
        assert_eq!(runtime.block_on(unstarted), Err(JoinError::NotDriven));
    }
}

#[test]
fn tokio_contexts_that_do_not_block_the_loop_are_not_refused() {
    let expected = (vec![10, 15, 20, 30], 6, vec![1, 2, 3]);
    let [runtime, _] = tokio_runtimes();
    // A tokio context entered before the loop (as in a tokio-based main).
    {
        let _entered = runtime.enter();
        let executor = Executor::new();
        let handle = executor.spawn(combinators_inside_a_task());
        assert_eq!(executor.block_on(handle), Ok(expected.clone()));
    }
    // A corobridge executor run inside a tokio block_on.
    let executor = Executor::new();
    let handle = executor.spawn(combinators_inside_a_task());
    assert_eq!(
        runtime.block_on(async { executor.block_on(handle) }),
        Ok(expected)
    );
    // A tokio context entered inside a task, around an await polled by the executor.
    let executor = Executor::new();
    let handle = executor.spawn(async move {
        let _entered = runtime.enter();
        corobridge::sleep(Duration::from_millis(1)).await;
        s::add_after(40, 2, 1).await
    });
    assert_eq!(executor.block_on(handle), Ok(Ok(42)));
    // tokio's block_on inside a task, of a future that does not need the executor.
    let executor = Executor::new();
    let [runtime, _] = tokio_runtimes();
    let handle = executor.spawn(async move {
        runtime.block_on(async {
            tokio::time::sleep(Duration::from_millis(1)).await;
            9
        })
    });
    assert_eq!(executor.block_on(handle), Ok(9));
}

#[test]
fn a_join_handle_polled_by_hand_outside_any_executor_is_just_pending() {
    let executor = Executor::new();
    let mut handle = executor.spawn(async { 5 });
    assert_eq!(poll_now(&mut handle), Poll::Pending);
    executor.run_until_idle();
    assert_eq!(poll_now(&mut handle), Poll::Ready(Ok(5)));
}

// ---- schedule_resume of a frame that is then destroyed ---------------------------------

#[test]
fn a_coroutine_handle_address_is_its_frame_allocation() {
    assert!(misuse::handle_address_is_frame_start());
}

#[test]
fn a_frame_destroyed_after_schedule_resume_is_never_resumed() {
    for nested in [false, true] {
        let executor = Executor::new_virtual();
        let mut engine = misuse::new_engine(executor.raw_handle());
        let doomed = misuse::engine_spawn_scheduled(engine.pin_mut(), 32, nested).unwrap();
        let kept = misuse::engine_spawn_scheduled(engine.pin_mut(), 32, nested).unwrap();
        misuse::engine_update(engine.pin_mut()).unwrap(); // both suspend: two raw timers
        assert_eq!(misuse::engine_pending_timers(&engine), 2);
        // Destroying the frame takes its registration out of the timer queue.
        assert!(misuse::engine_cancel(engine.pin_mut(), doomed));
        assert_eq!(misuse::engine_destroyed(&engine), 1);
        assert_eq!(
            misuse::engine_pending_timers(&engine),
            1,
            "nested: {nested}"
        );
        // Past the deadline: only the other one is resumed; nothing touches the freed frame.
        for _ in 0..4 {
            misuse::engine_update(engine.pin_mut()).unwrap();
        }
        assert_eq!(misuse::engine_resumed(&engine), 1, "nested: {nested}");
        assert_eq!(misuse::engine_destroyed(&engine), 2);
        assert_eq!(misuse::engine_pending_timers(&engine), 0);
        assert!(
            !misuse::engine_cancel(engine.pin_mut(), kept),
            "it finished"
        );
    }
}

#[test]
fn a_scheduled_frame_destroyed_with_its_engine_leaves_no_timer_behind() {
    let executor = Executor::new_virtual();
    let mut engine = misuse::new_engine(executor.raw_handle());
    misuse::engine_spawn_scheduled(engine.pin_mut(), 1_000, false).unwrap();
    misuse::engine_update(engine.pin_mut()).unwrap();
    assert_eq!(misuse::engine_pending_timers(&engine), 1);
    // The executor and the engine go (the frame is destroyed with them); a later executor
    // whose frames are freed finds nothing stale.
    drop(executor);
    drop(engine);
    let executor = Executor::new_virtual();
    let mut engine = misuse::new_engine(executor.raw_handle());
    let id = misuse::engine_spawn_scheduled(engine.pin_mut(), 16, false).unwrap();
    misuse::engine_update(engine.pin_mut()).unwrap();
    misuse::engine_update(engine.pin_mut()).unwrap();
    assert_eq!(misuse::engine_resumed(&engine), 1);
    assert!(!misuse::engine_cancel(engine.pin_mut(), id));
}

#[test]
fn a_foreign_coroutine_that_throws_is_a_recorded_failure_of_the_executor() {
    let executor = Executor::new();
    // The task goes on: only the foreign coroutine's resumption threw.
    assert_eq!(
        executor.block_on(misuse::start_foreign_thrower("foreign boom")),
        Ok(7)
    );
    assert_eq!(
        executor.take_failures(),
        vec![TaskFailure::Foreign {
            exception: CppException::new("std::runtime_error", "foreign boom"),
        }]
    );
    assert_eq!(misuse::destroy_foreign_throwers(), 1);
}

const FOREIGN_CHILD: &str = "COROBRIDGE_FOREIGN_THROWER_CHILD";

/// Run only as a child process by the test below (which reads its stderr).
#[test]
#[ignore = "run as a child process by a_foreign_coroutine_that_throws_under_another_executor_is_reported"]
fn child_runs_a_foreign_thrower_under_block_on() {
    if std::env::var_os(FOREIGN_CHILD).is_none() {
        return;
    }
    let task = misuse::start_foreign_thrower("thrown under block_on");
    assert_eq!(futures::executor::block_on(task.into_future()), Ok(7));
    assert_eq!(misuse::destroy_foreign_throwers(), 1);
}

#[test]
fn a_foreign_coroutine_that_throws_under_another_executor_is_reported() {
    let exe = std::env::current_exe().expect("the test binary's path");
    let output = std::process::Command::new(exe)
        .args([
            "child_runs_a_foreign_thrower_under_block_on",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(FOREIGN_CHILD, "1")
        .output()
        .expect("the child test process runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the child failed: {stderr}");
    assert!(
        stderr.contains(
            "a C++ coroutine of a foreign type, resumed while a C++ task was polled under \
             another executor, let an exception escape (C++ exception std::runtime_error: \
             thrown under block_on)"
        ),
        "{stderr}"
    );
}

#[test]
fn a_sleep_that_nothing_drives_throws_no_executor() {
    let message = misuse::sleep_with_nothing_driving();
    assert!(
        message.contains("sleep_for/GameTimer::wait_for needs a driver"),
        "{message}"
    );
}
