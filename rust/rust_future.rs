//! C++ `co_await`s Rust futures and streams.
//!
//! A [`RustFuture<T>`] (or [`RustStream<T>`]) boxes any Rust future (stream) and crosses
//! into C++ as `corobridge::rust_future<T>` (`rust_stream<T>`): a `#[cxx::bridge]` returns
//! it by value from an `extern "Rust"` function. C++ polls it with a real `Waker`; when it is
//! pending, the awaiting coroutine is resumed through its driver's queue once the future is
//! woken and ready, never inside `wake`. A future's `Err` becomes a
//! `corobridge::rust_error` at the `co_await`, a panic a `corobridge::rust_panic`.

use std::ffi::c_void;
use std::fmt::Display;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

use crate::BridgeValue;
use crate::error::panic_message;

/// What one poll delivered to the awaiting C++ code.
pub(crate) enum Delivery {
    /// A value of `size` bytes at `value`, to be moved by copying its bytes.
    Value { value: *mut c_void, size: usize },
    /// A stream ended.
    End,
    /// The future's error message.
    Error(String),
    /// The future panicked with this message.
    Panic(String),
}

/// Called with the result of a poll; returns true if it took the value (moved it out).
pub(crate) type Deliver<'a> = dyn FnMut(Delivery) -> bool + 'a;

/// The type-erased front of a boxed future or stream handed to C++.
#[repr(C)]
pub(crate) struct PollHeader {
    pub(crate) vtable: &'static PollVTable,
}

/// Operations on an erased future or stream.
pub(crate) struct PollVTable {
    /// Polls once; on a result, calls `deliver` and returns `Ready`.
    pub(crate) poll: unsafe fn(NonNull<PollHeader>, &mut Context<'_>, &mut Deliver<'_>) -> Poll<()>,
    /// Drops the box.
    pub(crate) drop: unsafe fn(NonNull<PollHeader>),
}

/// Hands a finished poll's outcome to `deliver`, dropping the value if it was not taken.
fn deliver_outcome<T>(
    outcome: std::thread::Result<Option<Result<T, String>>>,
    deliver: &mut Deliver<'_>,
) {
    match outcome {
        Ok(Some(Ok(value))) => {
            let mut slot = MaybeUninit::new(value);
            let taken = deliver(Delivery::Value {
                value: slot.as_mut_ptr().cast(),
                size: size_of::<T>(),
            });
            if !taken {
                // SAFETY: initialised above and not moved out.
                unsafe { slot.assume_init_drop() };
            }
        }
        Ok(Some(Err(message))) => {
            deliver(Delivery::Error(message));
        }
        Ok(None) => {
            deliver(Delivery::End);
        }
        Err(payload) => {
            deliver(Delivery::Panic(panic_message(payload.as_ref())));
        }
    }
}

#[repr(C)]
struct ErasedFuture<F> {
    header: PollHeader,
    done: bool,
    future: F,
}

impl<T, F: Future<Output = Result<T, String>>> ErasedFuture<F> {
    const VTABLE: PollVTable = PollVTable {
        poll: Self::poll,
        drop: Self::drop,
    };

    unsafe fn poll(
        header: NonNull<PollHeader>,
        cx: &mut Context<'_>,
        deliver: &mut Deliver<'_>,
    ) -> Poll<()> {
        // SAFETY: the header is the first field of a boxed ErasedFuture<F> (it was made by
        // `RustFuture::from_outcome`), which never moves; C++ polls it from one thread at a time.
        let this = unsafe { &mut *header.as_ptr().cast::<Self>() };
        if this.done {
            deliver(Delivery::Panic(
                "a Rust future was polled after it completed".to_owned(),
            ));
            return Poll::Ready(());
        }
        // SAFETY: the future is pinned inside its box and never moved out.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(result)) => {
                this.done = true;
                deliver_outcome(Ok(Some(result)), deliver);
                Poll::Ready(())
            }
            Err(payload) => {
                this.done = true;
                deliver_outcome::<T>(Err(payload), deliver);
                Poll::Ready(())
            }
        }
    }

    unsafe fn drop(header: NonNull<PollHeader>) {
        // SAFETY: made by Box::into_raw in `RustFuture::from_outcome`; dropped once.
        drop(unsafe { Box::from_raw(header.as_ptr().cast::<Self>()) });
    }
}

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
        Self::from_outcome(async move { Ok(future.await) })
    }

    /// Wraps a future producing `Result<T, E>`; `Err(e)` reaches C++ as a
    /// `corobridge::rust_error` whose `what()` is `e.to_string()`.
    pub fn fallible<F, E>(future: F) -> Self
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        E: Display,
    {
        Self::from_outcome(async move { future.await.map_err(|e| e.to_string()) })
    }

    fn from_outcome<F>(future: F) -> Self
    where
        F: Future<Output = Result<T, String>> + Send + 'static,
    {
        let boxed = Box::new(ErasedFuture {
            header: PollHeader {
                vtable: &ErasedFuture::<F>::VTABLE,
            },
            done: false,
            future,
        });
        Self {
            poll: NonNull::from(Box::leak(boxed)).cast(),
            _value: PhantomData,
        }
    }
}

impl<T: BridgeValue> Drop for RustFuture<T> {
    fn drop(&mut self) {
        // SAFETY: we own the box; its vtable drops it exactly once.
        unsafe { (self.poll.as_ref().vtable.drop)(self.poll) };
    }
}

impl<T: BridgeValue> std::fmt::Debug for RustFuture<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RustFuture")
            .field("type", &std::any::type_name::<T>())
            .finish()
    }
}

/// Drops an erased future or stream given to C++.
///
/// # Safety
///
/// `poll` must come from a `RustFuture`/`RustStream` whose ownership passed to C++.
pub(crate) unsafe fn drop_erased(poll: NonNull<PollHeader>) {
    // SAFETY: per the contract.
    unsafe { (poll.as_ref().vtable.drop)(poll) };
}
