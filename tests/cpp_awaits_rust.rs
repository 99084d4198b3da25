//! C++ coroutines `co_await` Rust futures: every value type, errors and panics as C++
//! exceptions, wakes deferred to the driver (never inline), and cxx-async's self-wake
//! deadlock (its issue #3) absent.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use corobridge::{CppException, Error, Executor, RustFuture, sleep};
use corobridge_testkit::interop_scenarios as i;
use futures::StreamExt;
use futures::stream::FuturesUnordered;

#[test]
fn every_value_type_comes_back_from_rust() {
    let executor = Executor::new_virtual();
    assert_eq!(
        executor.block_on(i::await_i32(RustFuture::new(async { -7 }))),
        Ok(-7)
    );
    assert_eq!(
        executor.block_on(i::await_bool(RustFuture::new(async { true }))),
        Ok(true)
    );
    assert_eq!(
        executor.block_on(i::await_i64(RustFuture::new(async { i64::MIN }))),
        Ok(i64::MIN)
    );
    assert_eq!(
        executor.block_on(i::await_u64(RustFuture::new(async { u64::MAX }))),
        Ok(u64::MAX)
    );
    assert_eq!(
        executor.block_on(i::await_f64(RustFuture::new(async { 0.25 }))),
        Ok(0.25)
    );
    let text = RustFuture::new(async { "from Rust, ünïcødé".to_owned() });
    assert_eq!(
        executor.block_on(i::await_string(text)),
        Ok("from Rust, ünïcødé".to_owned())
    );
    let bytes = RustFuture::new(async { vec![1u8, 2, 3, 255] });
    assert_eq!(
        executor.block_on(i::await_bytes(bytes)),
        Ok(vec![1, 2, 3, 255])
    );
    assert_eq!(
        executor.block_on(i::await_unit(RustFuture::new(async {}))),
        Ok(())
    );
}

#[test]
fn a_pending_rust_future_suspends_the_cpp_coroutine_until_ready() {
    let executor = Executor::new_virtual();
    let slow = RustFuture::new(async {
        sleep(Duration::from_millis(250)).await;
        5
    });
    assert_eq!(executor.block_on(i::await_i32(slow)), Ok(5));
    assert_eq!(executor.now(), Duration::from_millis(250));
}

#[test]
fn err_becomes_rust_error_and_a_panic_rust_panic() {
    let executor = Executor::new();
    let failing = RustFuture::fallible(async { Err::<i32, _>("no such sensor") });
    assert_eq!(
        executor.block_on(i::describe_i32(failing)),
        Ok("rust_error: no such sensor".to_owned())
    );
    let panicking = RustFuture::<i32>::new(async { panic!("the Rust side panicked") });
    assert_eq!(
        executor.block_on(i::describe_i32(panicking)),
        Ok("rust_panic: the Rust side panicked".to_owned())
    );
    let fine = RustFuture::fallible(async { Ok::<_, String>(3) });
    assert_eq!(
        executor.block_on(i::describe_i32(fine)),
        Ok("value 3".to_owned())
    );
}

#[test]
fn an_uncaught_rust_error_reaches_rust_again_as_a_cpp_exception() {
    let failing = RustFuture::fallible(async { Err::<i32, _>("lost") });
    match Executor::new().block_on(i::await_i32(failing)) {
        Err(Error::Cpp(e)) => {
            assert_eq!(e, CppException::new("corobridge::rust_error", "lost"));
        }
        other => panic!("expected rust_error, got {other:?}"),
    }
}

#[test]
fn a_cpp_exception_in_a_rust_callback_comes_back_as_err() {
    assert_eq!(i::cpp_callback(21).unwrap(), 42);
    let err = i::cpp_callback(-1).unwrap_err();
    assert_eq!(err.what(), "negative code -1");
    let executor = Executor::new();
    assert_eq!(
        executor.block_on(i::callback_roundtrip(4)),
        Ok("value 8".to_owned())
    );
    assert_eq!(
        executor.block_on(i::callback_roundtrip(-3)),
        Ok("rust_error: the C++ callback threw: negative code -3".to_owned())
    );
}

/// A future that wakes itself during `poll` a few times before it is ready, as
/// `FuturesUnordered` does to yield. cxx-async resumes C++ inside `wake()` and deadlocks
/// on this (its issue #3); corobridge only queues the wake.
struct WakesItself(u32);

impl Future for WakesItself {
    type Output = i32;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<i32> {
        if self.0 == 0 {
            return Poll::Ready(99);
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[test]
fn a_future_that_wakes_itself_during_poll_does_not_deadlock() {
    let executor = Executor::new();
    assert_eq!(
        executor.block_on(i::await_i32(RustFuture::new(WakesItself(5)))),
        Ok(99)
    );
    // Cloned waker woken during poll too.
    let cloned = RustFuture::new(std::future::poll_fn({
        let mut left = 3;
        move |cx: &mut Context<'_>| {
            if left == 0 {
                return Poll::Ready(7);
            }
            left -= 1;
            // A clone woken by value (through the token, not the inline lazy waker).
            #[allow(clippy::waker_clone_wake)]
            cx.waker().clone().wake();
            Poll::Pending
        }
    }));
    assert_eq!(executor.block_on(i::await_i32(cloned)), Ok(7));
}

#[test]
fn futures_unordered_while_cpp_awaits_it() {
    let executor = Executor::new();
    let total = RustFuture::new(async {
        let mut set: FuturesUnordered<_> = (0..64)
            .map(|n| async move {
                for _ in 0..n % 5 {
                    futures::pending!(); // each yields by waking itself
                }
                n
            })
            .map(|f| {
                Box::pin(async move {
                    let mut f = Box::pin(f);
                    std::future::poll_fn(move |cx| {
                        let poll = f.as_mut().poll(cx);
                        if poll.is_pending() {
                            cx.waker().wake_by_ref();
                        }
                        poll
                    })
                    .await
                })
            })
            .collect();
        let mut sum = 0i64;
        while let Some(n) = set.next().await {
            sum += n;
        }
        sum
    });
    assert_eq!(executor.block_on(i::await_i64(total)), Ok((0..64).sum()));
    let under_futures = RustFuture::new(WakesItself(10));
    assert_eq!(
        futures::executor::block_on(i::await_i32(under_futures).into_future()),
        Ok(99)
    );
}

#[test]
fn the_wake_only_queues_the_cpp_coroutine() {
    let executor = Executor::new();
    let (tx, rx) = futures::channel::oneshot::channel::<i32>();
    let finished = Arc::new(AtomicBool::new(false));
    let awaiting = {
        let finished = finished.clone();
        executor.spawn(async move {
            let value = i::await_i32(RustFuture::new(async move { rx.await.unwrap() })).await;
            finished.store(true, Ordering::SeqCst);
            value
        })
    };
    executor.run_until_idle();
    let checker = executor.spawn(async move {
        tx.send(11).unwrap(); // wakes the C++ coroutine's waker...
        // ...which must not have resumed it inline, inside send().
        finished.load(Ordering::SeqCst)
    });
    let (resumed_inline, value) =
        executor.block_on(async { (checker.await.unwrap(), awaiting.await.unwrap()) });
    assert!(!resumed_inline);
    assert_eq!(value, Ok(11));
}

#[test]
fn a_pending_future_without_any_driver_is_a_clear_error() {
    // A C++ coroutine resumed by hand on a thread where nothing could ever wake it: the
    // co_await throws no_executor instead of hanging.
    let executor = Executor::new();
    let never = RustFuture::new(std::future::pending::<i32>());
    // Under corobridge's executor there is a driver: the future merely stays pending.
    let join = executor.spawn(i::describe_i32(never));
    executor.run_until_idle();
    assert!(!join.is_finished());
    drop(join);
}
