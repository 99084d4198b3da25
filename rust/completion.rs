//! How a C++ task or async generator tells Rust that a step finished.
//!
//! A step is the run of a C++ coroutine from its resumption by Rust to its end (a task) or
//! its next `co_yield` (an async generator). The coroutine's final suspend (or yield) calls
//! the Rust completion attached to its state word with a pointer to its value and a typed
//! writer; the completion moves the value straight into Rust.

use std::cell::Cell;
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
    /// True if a step producing this is the coroutine's last (a task's end): a step that
    /// finishes inside the poll which started it lets the frame destroy itself at once.
    const RELEASES_FRAME: bool;

    /// The result of a step whose executor was dropped before the step finished.
    fn executor_gone() -> Self;

    /// Builds the result.
    ///
    /// # Safety
    ///
    /// Called from the coroutine's final suspend or yield with the arguments C++ passes:
    /// `state` is live, and `value`/`write` produce a valid value of the paired type when
    /// the step produced one.
    unsafe fn from_cpp(value: *mut c_void, write: corobridge_write_fn, state: *mut u64) -> Self;
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

/// Moves the C++ value into Rust.
///
/// # Safety
///
/// `write` must write a valid `T` at the address it is given (BridgeValue contract).
unsafe fn take<T: BridgeValue>(
    value: *mut c_void,
    write: corobridge_write_fn,
) -> Result<T, CppException> {
    let mut out = MaybeUninit::<T>::uninit();
    match write {
        // SAFETY: per the contract.
        Some(write) => unsafe { write(value, out.as_mut_ptr().cast()) },
        None if size_of::<T>() == 0 => {}
        None => {
            return Err(CppException::new(
                "corobridge::bridge_error",
                "a C++ coroutine declared to Rust as producing a value produced none",
            ));
        }
    }
    // SAFETY: written above (or a zero-sized T, which needs no bytes).
    Ok(unsafe { out.assume_init() })
}

/// A task's end: its value or its exception.
impl<T: BridgeValue> StepResult for Result<T, Error> {
    const RELEASES_FRAME: bool = true;

    fn executor_gone() -> Self {
        Err(Error::ExecutorGone)
    }

    unsafe fn from_cpp(value: *mut c_void, write: corobridge_write_fn, state: *mut u64) -> Self {
        // SAFETY: forwarded contract.
        if let Some(e) = unsafe { exception(write, state) } {
            return Err(Error::Cpp(e));
        }
        // SAFETY: forwarded contract.
        unsafe { take(value, write) }.map_err(Error::Cpp)
    }
}

/// An async generator's step: an item, the end (None), or its exception.
impl<T: BridgeValue> StepResult for Result<Option<T>, Error> {
    const RELEASES_FRAME: bool = false;

    fn executor_gone() -> Self {
        Err(Error::ExecutorGone)
    }

    unsafe fn from_cpp(value: *mut c_void, write: corobridge_write_fn, state: *mut u64) -> Self {
        // SAFETY: forwarded contract.
        if let Some(e) = unsafe { exception(write, state) } {
            return Err(Error::Cpp(e));
        }
        if value.is_null() {
            return Ok(None);
        }
        // SAFETY: forwarded contract.
        unsafe { take(value, write) }.map(Some).map_err(Error::Cpp)
    }
}

/// The state-word value that attaches `completion` to a coroutine.
pub(crate) fn rust_kind(completion: *const corobridge_completion) -> u64 {
    ((completion.expose_provenance() as u64 >> 3) << COROBRIDGE_PAYLOAD_SHIFT)
        | u64::from(COROBRIDGE_KIND_RUST)
}

/// The completion used while a poll resumes the coroutine inline: no allocation.
#[repr(C)]
pub(crate) struct InlineCompletion<R> {
    base: corobridge_completion,
    result: Cell<Option<R>>,
    release: bool,
}

impl<R: StepResult> InlineCompletion<R> {
    /// `release`: a task finishing inline destroys its frame at once (the caller then
    /// forgets it); false for steps of an async generator.
    pub(crate) fn new(release: bool) -> Self {
        Self {
            base: corobridge_completion {
                complete: Some(complete_inline::<R>),
            },
            result: Cell::new(None),
            release,
        }
    }

    pub(crate) fn base(&self) -> *const corobridge_completion {
        &self.base
    }

    pub(crate) fn take(&self) -> Option<R> {
        self.result.take()
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
    // SAFETY: forwarded from C++; the slot is empty (one completion per resumption), so
    // nothing needs dropping.
    let previous = this
        .result
        .replace(Some(unsafe { R::from_cpp(value, write, state) }));
    debug_assert!(previous.is_none(), "one completion per inline resumption");
    std::mem::forget(previous);
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
