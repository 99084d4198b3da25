//! C++ `co_await`s Rust futures and streams.
//!
//! A [`RustFuture<T>`] (or [`RustStream<T>`]) boxes any Rust future (stream) and crosses
//! into C++ as `corobridge::rust_future<T>` (`rust_stream<T>`): a `#[cxx::bridge]` returns
//! it by value from an `extern "Rust"` function. C++ polls it with a real `Waker`; when it is
//! pending, the awaiting coroutine is resumed through its driver's queue once the future is
//! woken and ready, never inside `wake`. A future's `Err` becomes a
//! `corobridge::rust_error` at the `co_await`, a panic a `corobridge::rust_panic`.

use std::fmt::Display;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

use crate::BridgeValue;
use crate::erased_poll::{PollHeader, PollSource, drop_erased, erase};

/// A Rust future handed to C++, where it is `co_await`ed as `corobridge::rust_future<T>`.
///
/// Build it with [`RustFuture::new`] (any `Future<Output = T>`) or
/// [`RustFuture::fallible`] (`Future<Output = Result<T, E>>`: `Err` becomes a
/// `corobridge::rust_error` in C++, with the error's `Display` as its `what()`), and return
/// it from an `extern "Rust"` function of a `#[cxx::bridge]` that declares
/// `type rust_future_i32 = corobridge::RustFuture<i32>;` (namespace `corobridge`).
/// Dropping it (in Rust or when C++ destroys its `rust_future<T>`) drops the future.
///
/// ```
/// let future = corobridge::RustFuture::new(async { 40 + 2 });
/// # drop(future);
/// ```
#[repr(transparent)]
pub struct RustFuture<T: BridgeValue> {
    poll: NonNull<PollHeader>,
    _value: PhantomData<fn() -> T>,
}

// SAFETY: the boxed future is Send (required by the constructors) and the value T is Send.
unsafe impl<T: BridgeValue> Send for RustFuture<T> {}

impl<T: BridgeValue> RustFuture<T> {
    /// Wraps a future producing `T`.
    pub fn new<F>(future: F) -> Self
    where
        F: Future<Output = T> + Send + 'static,
    {
        Self::from_source(OneOutcome::<F, Infallible>::new(future))
    }

    /// Wraps a future producing `Result<T, E>`; `Err(e)` reaches C++ as a
    /// `corobridge::rust_error` whose `what()` is `e.to_string()`.
    pub fn fallible<F, E>(future: F) -> Self
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        E: Display,
    {
        Self::from_source(OneOutcome::<F, Fallible>::new(future))
    }

    /// Wraps a future that is not `Send` (one holding a [`Fiber`](crate::Fiber), an `Rc`,
    /// ...), producing `Result<T, E>` like [`RustFuture::fallible`]. The future stays on
    /// the thread that calls this: polled on any other thread, it makes the C++ `co_await`
    /// throw `corobridge::rust_error` (explaining why) instead of running there; dropped on
    /// another thread, it is leaked, with a message on stderr, rather than dropped there.
    /// Await it from C++ coroutines driven on this thread, and let C++ destroy it here.
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let shared = Rc::new(5);
    /// let future = corobridge::RustFuture::<i32>::from_local(async move {
    ///     Ok::<_, std::convert::Infallible>(*shared * 2)
    /// });
    /// # drop(future);
    /// ```
    pub fn from_local<F, E>(future: F) -> Self
    where
        F: Future<Output = Result<T, E>> + 'static,
        E: Display,
    {
        Self::from_source(OneOutcome::<_, Bound>::new(ThreadBound::new(future)))
    }

    fn from_source<S>(source: S) -> Self
    where
        S: PollSource<Value = T> + Send + 'static,
    {
        Self {
            poll: erase(source),
            _value: PhantomData,
        }
    }
}

/// How a future's output becomes an outcome for C++: a value or an error's message.
///
/// (The user's future is polled directly, with its output converted on the way out: an
/// `async` block wrapping it would move the whole future into its own state on the first
/// poll, which costs a copy and, read back at once, a store-forwarding stall.)
trait Conversion<O> {
    type Value;
    fn convert(output: O) -> Result<Self::Value, String>;
}

/// `RustFuture::new`: the output is the value.
struct Infallible;

impl<T> Conversion<T> for Infallible {
    type Value = T;
    #[inline]
    fn convert(output: T) -> Result<T, String> {
        Ok(output)
    }
}

/// `RustFuture::fallible`: `Err(e)` becomes `e.to_string()`.
struct Fallible;

impl<T, E: Display> Conversion<Result<T, E>> for Fallible {
    type Value = T;
    #[inline]
    fn convert(output: Result<T, E>) -> Result<T, String> {
        output.map_err(|e| e.to_string())
    }
}

/// `RustFuture::from_local`: a [`ThreadBound`]'s refusal, or the inner future's result as
/// for [`Fallible`].
struct Bound;

impl<T, E: Display> Conversion<Result<Result<T, E>, String>> for Bound {
    type Value = T;
    #[inline]
    fn convert(output: Result<Result<T, E>, String>) -> Result<T, String> {
        output.and_then(Fallible::convert)
    }
}

/// A future as a source of one outcome, its output converted by `C`.
struct OneOutcome<F, C> {
    future: F,
    _conversion: PhantomData<C>,
}

impl<F, C> OneOutcome<F, C> {
    fn new(future: F) -> Self {
        Self {
            future,
            _conversion: PhantomData,
        }
    }
}

impl<F: Future, C: Conversion<F::Output>> PollSource for OneOutcome<F, C> {
    type Value = C::Value;
    const AFTER_LAST: Option<&'static str> = Some("a Rust future was polled after it completed");

    #[inline]
    fn poll_outcome(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<C::Value, String>>> {
        // SAFETY: the future is structurally pinned (never moved out).
        unsafe { self.map_unchecked_mut(|this| &mut this.future) }
            .poll(cx)
            .map(|output| Some(C::convert(output)))
    }

    fn is_last(_: &Option<Result<C::Value, String>>) -> bool {
        true
    }
}

/// A future that is not `Send`, made movable between threads by checking at run time that
/// it is only polled and dropped on the thread that created it.
struct ThreadBound<F> {
    thread: std::thread::ThreadId,
    future: std::mem::ManuallyDrop<F>,
}

// SAFETY: the inner future is only touched (polled, dropped) on the thread that created
// it: `poll` and `drop` check the thread first and refuse to touch it anywhere else.
unsafe impl<F> Send for ThreadBound<F> {}

impl<F> ThreadBound<F> {
    fn new(future: F) -> Self {
        Self {
            thread: std::thread::current().id(),
            future: std::mem::ManuallyDrop::new(future),
        }
    }

    fn on_home_thread(&self) -> bool {
        std::thread::current().id() == self.thread
    }
}

/// The inner future's output, or (polled on another thread) why it was not polled.
impl<F: Future> Future for ThreadBound<F> {
    type Output = Result<F::Output, String>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if !self.on_home_thread() {
            return Poll::Ready(Err(format!(
                "a thread-bound Rust future (RustFuture::from_local) was awaited on {:?}, \
                 but it belongs to {:?}; await it from a coroutine driven on that thread",
                std::thread::current().id(),
                self.thread
            )));
        }
        // SAFETY: the future is structurally pinned (never moved out; dropped in place).
        unsafe { self.map_unchecked_mut(|this| &mut *this.future) }
            .poll(cx)
            .map(Ok)
    }
}

impl<F> Drop for ThreadBound<F> {
    fn drop(&mut self) {
        if self.on_home_thread() {
            // SAFETY: dropped once, here, on its own thread.
            unsafe { std::mem::ManuallyDrop::drop(&mut self.future) };
        } else {
            eprintln!(
                "corobridge: a thread-bound Rust future (RustFuture::from_local) was dropped \
                 on {:?}, not on its own thread {:?}; it is leaked instead",
                std::thread::current().id(),
                self.thread
            );
        }
    }
}

impl<T: BridgeValue> Drop for RustFuture<T> {
    fn drop(&mut self) {
        // SAFETY: we own the box, dropped once, here.
        unsafe { drop_erased(self.poll) };
    }
}

impl<T: BridgeValue> std::fmt::Debug for RustFuture<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RustFuture")
            .field("type", &std::any::type_name::<T>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;
    use std::sync::mpsc;
    use std::task::Waker;

    fn poll_once<F: Future>(future: Pin<&mut F>) -> Poll<F::Output> {
        future.poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn a_thread_bound_future_refuses_other_threads_and_runs_at_home() {
        let shared = Rc::new(20);
        let local = Rc::clone(&shared);
        let mut bound = Box::pin(ThreadBound::new(async move { *local + 1 }));
        let (home, back) = mpsc::channel();
        std::thread::spawn(move || {
            let refused = poll_once(bound.as_mut());
            home.send(bound).map_err(|_| "send").unwrap();
            refused
        })
        .join()
        .map_or_else(
            |_| panic!("the polling thread panicked"),
            |refused| match refused {
                Poll::Ready(Err(message)) => assert!(message.contains("thread-bound"), "{message}"),
                other => panic!("expected a refusal, got {:?}", other.is_ready()),
            },
        );
        let mut bound = back.recv().unwrap();
        assert_eq!(poll_once(bound.as_mut()), Poll::Ready(Ok(21)));
        drop(bound);
        assert_eq!(Rc::strong_count(&shared), 1, "dropped at home");
    }
}
