//! How a C++ task or async generator tells Rust that a step finished.
//!
//! A step is the run of a C++ coroutine from its resumption by Rust to its end (a task) or
//! its next `co_yield` (an async generator). The coroutine's final suspend (or yield) calls
//! the Rust completion attached to its state word with a pointer to its value and a typed
//! writer; the completion moves the value straight into Rust.

use std::cell::{Cell, UnsafeCell};
use std::ffi::{c_int, c_void};
use std::mem::MaybeUninit;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;

use crate::error::describe_task_error;
use crate::ffi::abi::{
    COROBRIDGE_KIND_RUST, COROBRIDGE_PAYLOAD_SHIFT, COROBRIDGE_STATE_ERROR, corobridge_completion,
    corobridge_write_fn,
};
use crate::{BridgeValue, CppException, Error};

/// What one step produced, built from what C++ passes to a completion.
pub(crate) trait StepResult: Sized + Send + 'static {
    /// The type of the value a step produces.
    type Value: BridgeValue;

    /// True if a step producing this is the coroutine's last (a task's end): a step that
    /// finishes inside the poll which started it lets the frame destroy itself at once.
    const RELEASES_FRAME: bool;

    /// True if a step may produce nothing (an async generator's end: a null value).
    const MAY_END: bool;

    /// The result of a step whose executor was dropped before the step finished.
    fn executor_gone() -> Self;

    /// A step that produced `value`.
    fn value(value: Self::Value) -> Self;

    /// A step that produced nothing (only if `MAY_END`).
    fn ended() -> Self;

    /// A step that failed.
    fn failed(error: Error) -> Self;

    /// Builds the result.
    ///
    /// # Safety
    ///
    /// Called from the coroutine's final suspend or yield with the arguments C++ passes:
    /// `state` is live, and `value`/`write` produce a valid value of the paired type when
    /// the step produced one.
    unsafe fn from_cpp(value: *mut c_void, write: corobridge_write_fn, state: *mut u64) -> Self {
        let mut out = MaybeUninit::<Self::Value>::uninit();
        // SAFETY: forwarded contract; `out` is storage for the value.
        match unsafe { receive_into::<Self>(value, write, state, out.as_mut_ptr()) } {
            // SAFETY: written just now (a zero-sized value needs no bytes).
            Ok(Received::Value) => Self::value(unsafe { out.assume_init() }),
            Ok(Received::Ended) => Self::ended(),
            Err(error) => Self::failed(error),
        }
    }
}

/// What a step that did not fail produced.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Received {
    /// A value, now at the `out` given to [`receive_into`].
    Value,
    /// Nothing (an async generator's end).
    Ended,
}

/// Reads what C++ passed to a completion of `R` and moves a value, if there is one, to
/// `out`; the step's error otherwise.
///
/// # Safety
///
/// As for [`StepResult::from_cpp`]; `out` must be valid for writing an `R::Value`.
#[inline]
unsafe fn receive_into<R: StepResult>(
    value: *mut c_void,
    write: corobridge_write_fn,
    state: *mut u64,
    out: *mut R::Value,
) -> Result<Received, Error> {
    // SAFETY: forwarded contract.
    if let Some(e) = unsafe { exception(write, state) } {
        return Err(Error::Cpp(e));
    }
    if R::MAY_END && value.is_null() {
        return Ok(Received::Ended);
    }
    // SAFETY: forwarded contract.
    unsafe { take_into(value, write, out) }.map_err(Error::Cpp)?;
    Ok(Received::Value)
}

/// The step's exception, if it threw. A step that threw passes no writer: only then is
/// the state word read.
///
/// # Safety
///
/// As for [`StepResult::from_cpp`].
unsafe fn exception(write: corobridge_write_fn, state: *mut u64) -> Option<CppException> {
    if write.is_some() {
        return None;
    }
    let state = NonNull::new(state)?;
    // SAFETY: live during the final suspend; accessed atomically.
    let word = unsafe { AtomicU64::from_ptr(state.as_ptr()) }.load(Ordering::Acquire);
    // SAFETY: the coroutine threw and its frame is alive.
    (word & u64::from(COROBRIDGE_STATE_ERROR) != 0).then(|| unsafe { describe_task_error(state) })
}

/// Moves the C++ value into Rust, at `out`.
///
/// # Safety
///
/// `write` must write a valid `T` at the address it is given (BridgeValue contract);
/// `out` must be valid for writing a `T`.
#[inline]
unsafe fn take_into<T: BridgeValue>(
    value: *mut c_void,
    write: corobridge_write_fn,
    out: *mut T,
) -> Result<(), CppException> {
    match write {
        // SAFETY: per the contract.
        Some(write) => unsafe { write(value, out.cast()) },
        // A zero-sized T needs no bytes: `out` holds one already.
        None if size_of::<T>() == 0 => {}
        None => {
            return Err(CppException::new(
                "corobridge::bridge_error",
                "a C++ coroutine declared to Rust as producing a value produced none",
            ));
        }
    }
    Ok(())
}

/// A task's end: its value or its exception.
impl<T: BridgeValue> StepResult for Result<T, Error> {
    type Value = T;
    const RELEASES_FRAME: bool = true;
    const MAY_END: bool = false;

    fn executor_gone() -> Self {
        Err(Error::ExecutorGone)
    }

    #[inline]
    fn value(value: T) -> Self {
        Ok(value)
    }

    fn ended() -> Self {
        unreachable!("a task's step always produces a value or fails (MAY_END is false)")
    }

    fn failed(error: Error) -> Self {
        Err(error)
    }
}

/// An async generator's step: an item, the end (None), or its exception.
impl<T: BridgeValue> StepResult for Result<Option<T>, Error> {
    type Value = T;
    const RELEASES_FRAME: bool = false;
    const MAY_END: bool = true;

    fn executor_gone() -> Self {
        Err(Error::ExecutorGone)
    }

    #[inline]
    fn value(value: T) -> Self {
        Ok(Some(value))
    }

    fn ended() -> Self {
        Ok(None)
    }

    fn failed(error: Error) -> Self {
        Err(error)
    }
}

/// The state-word value that attaches `completion` to a coroutine.
pub(crate) fn rust_kind(completion: *const corobridge_completion) -> u64 {
    ((completion.expose_provenance() as u64 >> 3) << COROBRIDGE_PAYLOAD_SHIFT)
        | u64::from(COROBRIDGE_KIND_RUST)
}

/// The completion used while a poll resumes the coroutine inline: no allocation.
///
/// C++ writes the step's value straight into `value`, and [`InlineCompletion::take`]
/// reads it back as a `T`: nothing builds the whole result in memory and copies it, which
/// (the copy a wide load of fields just written by narrower stores) stalled store
/// forwarding on every inline step.
#[repr(C)]
pub(crate) struct InlineCompletion<R: StepResult> {
    base: corobridge_completion,
    value: UnsafeCell<MaybeUninit<R::Value>>,
    outcome: Cell<InlineOutcome>,
    error: Cell<Option<Error>>,
    release: bool,
}

/// What an inline step's completion received. (A byte of its own beside `error`, not an
/// enum holding the error: the outcome is written and read back at once, and a wider
/// value read back after a narrower store stalls store forwarding.)
#[derive(Clone, Copy, PartialEq, Eq)]
enum InlineOutcome {
    /// Nothing yet (the step suspended, or its result was taken).
    Pending,
    /// `value` holds the value.
    Value,
    /// The step produced nothing (an async generator's end).
    Ended,
    /// `error` holds the error.
    Failed,
}

impl<R: StepResult> InlineCompletion<R> {
    /// `release`: a task finishing inline destroys its frame at once (the caller then
    /// forgets it); false for steps of an async generator.
    pub(crate) fn new(release: bool) -> Self {
        Self {
            base: corobridge_completion {
                complete: Some(complete_inline::<R>),
            },
            value: UnsafeCell::new(MaybeUninit::uninit()),
            outcome: Cell::new(InlineOutcome::Pending),
            error: Cell::new(None),
            release,
        }
    }

    pub(crate) fn base(&self) -> *const corobridge_completion {
        &self.base
    }

    /// The step's result, once its completion ran (once).
    #[inline]
    pub(crate) fn take(&self) -> Option<R> {
        let outcome = self.outcome.replace(InlineOutcome::Pending);
        match outcome {
            InlineOutcome::Pending => None,
            // SAFETY: `Value` says the completion wrote the value; resetting the outcome
            // above makes this its only read.
            InlineOutcome::Value => {
                Some(R::value(unsafe { (*self.value.get()).assume_init_read() }))
            }
            InlineOutcome::Ended => Some(R::ended()),
            InlineOutcome::Failed => self.error.take().map(R::failed),
        }
    }
}

impl<R: StepResult> Drop for InlineCompletion<R> {
    fn drop(&mut self) {
        if self.outcome.get() == InlineOutcome::Value {
            // SAFETY: written by the completion and never taken.
            unsafe { self.value.get_mut().assume_init_drop() };
        }
    }
}

unsafe extern "C" fn complete_inline<R: StepResult>(
    this: *mut corobridge_completion,
    value: *mut c_void,
    write: corobridge_write_fn,
    state: *mut u64,
) -> c_int {
    // SAFETY: installed only as the first field of a repr(C) InlineCompletion<R>, which
    // lives on the stack of the poll that resumes the coroutine, on this thread.
    let this = unsafe { &*this.cast::<InlineCompletion<R>>() };
    debug_assert!(
        this.outcome.get() == InlineOutcome::Pending,
        "one completion per inline resumption"
    );
    let slot = this.value.get().cast::<R::Value>();
    // SAFETY: forwarded from C++; the value slot is empty (one completion per resumption,
    // and nothing else touches the slot meanwhile).
    let outcome = match unsafe { receive_into::<R>(value, write, state, slot) } {
        Ok(Received::Value) => InlineOutcome::Value,
        Ok(Received::Ended) => InlineOutcome::Ended,
        Err(error) => {
            this.error.set(Some(error));
            InlineOutcome::Failed
        }
    };
    this.outcome.set(outcome);
    c_int::from(this.release)
}

/// The completion of a step that suspended: shared with whoever resumes the coroutine.
#[repr(C)]
pub(crate) struct Completion<R> {
    base: corobridge_completion,
    inner: Mutex<Outcome<R>>,
}

struct Outcome<R> {
    result: Option<R>,
    waker: Option<Waker>,
}

impl<R: StepResult> Completion<R> {
    pub(crate) fn new(waker: &Waker) -> Arc<Self> {
        Arc::new(Self {
            base: corobridge_completion {
                complete: Some(complete_shared::<R>),
            },
            inner: Mutex::new(Outcome {
                result: None,
                waker: Some(waker.clone()),
            }),
        })
    }

    pub(crate) fn base(&self) -> *const corobridge_completion {
        &self.base
    }

    fn lock(&self) -> MutexGuard<'_, Outcome<R>> {
        self.inner
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// The result if the step finished; otherwise remembers `waker` for when it does.
    pub(crate) fn poll_result(&self, waker: &Waker) -> Option<R> {
        let mut inner = self.lock();
        let result = inner.result.take();
        if result.is_none() && !inner.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
            inner.waker = Some(waker.clone());
        }
        result
    }

    /// True if the step finished and its result has not been taken.
    pub(crate) fn is_finished(&self) -> bool {
        self.lock().result.is_some()
    }
}

unsafe extern "C" fn complete_shared<R: StepResult>(
    this: *mut corobridge_completion,
    value: *mut c_void,
    write: corobridge_write_fn,
    state: *mut u64,
) -> c_int {
    // SAFETY: installed only as the first field of a repr(C) Completion<R>, which its
    // owner (or the executor, for a frame handed over for destruction) keeps alive for as
    // long as the coroutine can reach this callback.
    let this = unsafe { &*this.cast::<Completion<R>>() };
    // SAFETY: forwarded from C++.
    let result = unsafe { R::from_cpp(value, write, state) };
    let waker = {
        let mut inner = this.lock();
        inner.result = Some(result);
        inner.waker.take()
    };
    if let Some(waker) = waker {
        waker.wake();
    }
    0
}
