//! The one type-erased form in which C++ holds and polls Rust futures and streams.
//!
//! A [`PollSource`] is what C++ polls: a future is a source of one outcome, a stream a
//! source of outcomes until its end. [`erase`] boxes one (from corobridge's pool) behind a
//! [`PollHeader`] whose [`PollVTable`] polls it once, delivering the outcome into the
//! awaiting coroutine's await state through a [`Sink`], catching panics, and answering
//! polls after the last outcome.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};

use crate::error::panic_message;
use crate::ffi::abi::{
    COROBRIDGE_POLL_END, COROBRIDGE_POLL_ERROR, COROBRIDGE_POLL_PANIC, COROBRIDGE_POLL_READY,
    corobridge_rust_await,
};
use crate::pooled;

/// Where the outcome of a poll goes: the awaiting C++ coroutine's await state, unless the
/// await was cancelled meanwhile (then values are dropped here).
pub(crate) struct Sink<'a> {
    awaiter: NonNull<corobridge_rust_await>,
    /// The wake token's state when the poll runs from the driver's queue; a poll can end
    /// up destroying the awaiting frame, which cancels the token first.
    cancel: Option<(&'a AtomicU8, u8)>,
}

impl<'a> Sink<'a> {
    /// A sink for a poll during the awaiter's `await_suspend` (cannot be cancelled).
    pub(crate) fn inline(awaiter: NonNull<corobridge_rust_await>) -> Self {
        Self {
            awaiter,
            cancel: None,
        }
    }

    /// A sink that writes only while `state` is not `cancelled`.
    pub(crate) fn guarded(
        awaiter: NonNull<corobridge_rust_await>,
        state: &'a AtomicU8,
        cancelled: u8,
    ) -> Self {
        Self {
            awaiter,
            cancel: Some((state, cancelled)),
        }
    }

    #[inline]
    fn open(&self) -> bool {
        self.cancel
            .is_none_or(|(state, cancelled)| state.load(Ordering::Acquire) != cancelled)
    }

    /// Moves a value (a stream's item) into the awaiter's `out` storage.
    ///
    /// # Safety
    ///
    /// The awaiter must be alive unless the sink is closed, and its `out` must point at
    /// storage for a `T` (the C++ side's `rust_slot<T>`).
    #[inline]
    unsafe fn value<T>(self, value: T) {
        if self.open() {
            let awaiter = self.awaiter.as_ptr();
            // SAFETY: per the contract.
            unsafe {
                (*awaiter).out.cast::<T>().write(value);
                (*awaiter).status = COROBRIDGE_POLL_READY as u8;
            }
        }
    }

    /// Records the end of a stream.
    ///
    /// # Safety
    ///
    /// As for `value`.
    unsafe fn end(self) {
        if self.open() {
            // SAFETY: per the contract.
            unsafe { (*self.awaiter.as_ptr()).status = COROBRIDGE_POLL_END as u8 };
        }
    }

    /// Moves an error or panic message into the awaiter's `message` storage.
    ///
    /// # Safety
    ///
    /// As for `value`, with `message` pointing at storage for a `String`.
    #[cold]
    unsafe fn message(self, status: u32, message: String) {
        if self.open() {
            let awaiter = self.awaiter.as_ptr();
            // SAFETY: per the contract.
            unsafe {
                (*awaiter).message.cast::<String>().write(message);
                (*awaiter).status = status as u8;
            }
        }
    }

    /// Delivers a finished poll: a value, the end of a stream (None), an `Err`'s message,
    /// or a panic.
    ///
    /// # Safety
    ///
    /// As for `value`.
    // (Always inlined: an outcome built on the stack for an out-of-line call, then read
    // back, costs more than the match.)
    #[inline(always)]
    pub(crate) unsafe fn deliver<T>(self, outcome: std::thread::Result<Option<Result<T, String>>>) {
        // SAFETY: forwarded contract.
        unsafe {
            match outcome {
                Ok(Some(Ok(value))) => self.value(value),
                Ok(Some(Err(message))) => self.message(COROBRIDGE_POLL_ERROR, message),
                Ok(None) => self.end(),
                Err(payload) => {
                    self.message(COROBRIDGE_POLL_PANIC, panic_message(payload.as_ref()));
                }
            }
        }
    }
}

/// The type-erased front of a boxed future or stream handed to C++.
#[repr(C)]
pub(crate) struct PollHeader {
    pub(crate) vtable: &'static PollVTable,
}

/// Operations on an erased future or stream.
pub(crate) struct PollVTable {
    /// Polls once; on a result, delivers it into the sink and returns `Ready`.
    pub(crate) poll: unsafe fn(NonNull<PollHeader>, &mut Context<'_>, Sink<'_>) -> Poll<()>,
    /// Drops the box.
    pub(crate) drop: unsafe fn(NonNull<PollHeader>),
}

/// Something C++ polls for outcomes: a value or an `Err`'s message each, `None` at the end.
pub(crate) trait PollSource {
    /// The value type the awaiter's `out` storage holds.
    type Value;
    /// What a poll after the last outcome delivers: `Some(message)` as a panic (a future
    /// polled again: a misuse), `None` the end again (a stream).
    const AFTER_LAST: Option<&'static str>;

    /// Polls once for the next outcome.
    fn poll_outcome(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Self::Value, String>>>;

    /// True if `outcome` was the source's last.
    fn is_last(outcome: &Option<Result<Self::Value, String>>) -> bool;
}

#[repr(C)]
struct ErasedPoll<S> {
    header: PollHeader,
    finished: bool,
    source: S,
}

impl<S: PollSource> ErasedPoll<S> {
    const VTABLE: PollVTable = PollVTable {
        poll: Self::poll,
        drop: Self::drop,
    };

    unsafe fn poll(header: NonNull<PollHeader>, cx: &mut Context<'_>, sink: Sink<'_>) -> Poll<()> {
        // SAFETY: the header is the first field of a pooled ErasedPoll<S> (made by
        // `erase`), which never moves; C++ polls it from one thread at a time, and the
        // sink's awaiter expects an `S::Value`.
        unsafe {
            let this = &mut *header.as_ptr().cast::<Self>();
            if this.finished {
                match S::AFTER_LAST {
                    Some(message) => sink.message(COROBRIDGE_POLL_PANIC, message.to_owned()),
                    None => sink.deliver::<S::Value>(Ok(None)),
                }
                return Poll::Ready(());
            }
            // The source is pinned inside its box and never moved out.
            let source = Pin::new_unchecked(&mut this.source);
            match catch_unwind(AssertUnwindSafe(|| source.poll_outcome(cx))) {
                Ok(Poll::Pending) => return Poll::Pending,
                Ok(Poll::Ready(outcome)) => {
                    this.finished = S::is_last(&outcome);
                    sink.deliver(Ok(outcome));
                }
                Err(payload) => {
                    this.finished = true;
                    sink.deliver::<S::Value>(Err(payload));
                }
            }
        }
        Poll::Ready(())
    }

    unsafe fn drop(header: NonNull<PollHeader>) {
        // SAFETY: made by pooled::boxed in `erase`; dropped once.
        unsafe { pooled::free(header.cast::<Self>()) };
    }
}

/// Boxes `source` (from corobridge's pool) behind its erased header.
pub(crate) fn erase<S: PollSource + Send + 'static>(source: S) -> NonNull<PollHeader> {
    pooled::boxed(ErasedPoll {
        header: PollHeader {
            vtable: &ErasedPoll::<S>::VTABLE,
        },
        finished: false,
        source,
    })
    .cast()
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
