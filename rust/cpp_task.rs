//! Rust awaits a C++ `corobridge::task<T>`.

use std::ffi::c_void;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, ready};

use crate::cpp_step::Stepper;
use crate::ffi;
use crate::ffi::abi::{COROBRIDGE_KIND_MASK, COROBRIDGE_KIND_NONE, COROBRIDGE_STATE_DONE};
use crate::{BridgeValue, Error};

/// A C++ `corobridge::task<T>` that crossed into Rust, not started yet.
///
/// It has the layout of the C++ object (frame and state pointers), so a `#[cxx::bridge]`
/// can return it by value: declare `type task_i32 = corobridge::CppTask<i32>;` (namespace
/// `corobridge`) and `fn compute_async(n: i32) -> task_i32;`. `.await` it (it is
/// [`IntoFuture`]) under any executor, or hand it to
/// [`Executor::spawn_cpp`](crate::Executor::spawn_cpp). Dropping it destroys the frame.
///
/// ```
/// // C++: corobridge::task<int32_t> add_after(int32_t a, int32_t b, int64_t delay_ms)
/// // sleeps on the executor's clock, then co_returns a + b (a test suite scenario).
/// use corobridge::Executor;
/// use corobridge_testkit::scenarios::add_after;
///
/// let executor = Executor::new_virtual();
/// let value = executor.block_on(add_after(2, 3, 100)); // sleeps 100 ms of virtual time
/// assert_eq!(value, Ok(5));
/// assert_eq!(executor.now(), std::time::Duration::from_millis(100));
/// ```
#[repr(C)]
pub struct CppTask<T: BridgeValue> {
    frame: Option<NonNull<c_void>>,
    state: *mut u64,
    _value: PhantomData<fn() -> T>,
}

// SAFETY: a C++ task frame is not tied to a thread (it is resumed on whichever thread
// drives it); once bound to an executor, its destruction is handed back to that executor's
// thread (see CppTaskFuture's Drop). T is produced at the end and is Send.
unsafe impl<T: BridgeValue + Send> Send for CppTask<T> {}

impl<T: BridgeValue> CppTask<T> {
    /// True if the object owns no coroutine (a moved-from C++ task).
    pub fn is_empty(&self) -> bool {
        self.frame.is_none()
    }

    /// True if something already started (or finished) the coroutine: C++ resumed its
    /// `handle()`, or awaited it. Such a task cannot be awaited or spawned from Rust
    /// ([`Error::AlreadyStarted`]); an empty task has not started.
    pub fn has_started(&self) -> bool {
        match (self.frame, NonNull::new(self.state)) {
            // SAFETY: the state word lives in the frame this object owns; both languages
            // access it atomically.
            (Some(_), Some(state)) => {
                let word = unsafe { AtomicU64::from_ptr(state.as_ptr()) }.load(Ordering::Acquire);
                word & u64::from(COROBRIDGE_KIND_MASK | COROBRIDGE_STATE_DONE)
                    != u64::from(COROBRIDGE_KIND_NONE)
            }
            _ => false,
        }
    }

    /// Takes ownership of an unstarted task handed over the C ABI (`corobridge_task`).
    ///
    /// # Safety
    ///
    /// `frame`/`state` must be an unstarted `corobridge::task<C>` (or null), with `C` the
    /// C++ type paired with `T`, owned by nobody else.
    pub(crate) unsafe fn from_raw_parts(frame: *mut c_void, state: *mut u64) -> Self {
        Self {
            frame: NonNull::new(frame),
            state,
            _value: PhantomData,
        }
    }

    /// Gives up ownership of the frame and its state word.
    pub(crate) fn into_raw(mut self) -> Option<(NonNull<c_void>, NonNull<u64>)> {
        let frame = self.frame.take()?;
        Some((frame, NonNull::new(self.state)?))
    }
}

impl<T: BridgeValue> Drop for CppTask<T> {
    fn drop(&mut self) {
        if let Some(frame) = self.frame.take() {
            // SAFETY: an unstarted task is owned by this object and registered nowhere.
            unsafe { ffi::destroy(frame.as_ptr()) };
        }
    }
}

impl<T: BridgeValue> std::fmt::Debug for CppTask<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CppTask")
            .field("type", &std::any::type_name::<T>())
            .field("empty", &self.is_empty())
            .finish()
    }
}

impl<T: BridgeValue> IntoFuture for CppTask<T> {
    type Output = Result<T, Error>;
    type IntoFuture = CppTaskFuture<T>;

    fn into_future(self) -> CppTaskFuture<T> {
        let outcome = if self.is_empty() {
            Some(Error::EmptyTask)
        } else if self.has_started() {
            Some(Error::AlreadyStarted)
        } else {
            None
        };
        let raw = self.into_raw();
        CppTaskFuture {
            stepper: Stepper::new(
                raw.map(|(frame, _)| frame),
                raw.map_or(NonNull::dangling(), |(_, state)| state),
            ),
            refused: outcome,
            completed: false,
        }
    }
}

/// The future of a [`CppTask`]: resolves to the C++ task's value, or to
/// [`Error::Cpp`] with the exception's type name and `what()`.
///
/// Works under corobridge's executor and under any other (tokio, `futures::executor`):
/// without a corobridge driver on the thread, it drives the C++ frames it is responsible
/// for inside its own `poll`. Wakes only queue work; frames are resumed in `poll` or by the
/// executor, never inside a waker. The value is moved straight from the C++ promise into
/// Rust when the task finishes. Dropping the future destroys the C++ frame (its locals'
/// destructors run, its timers and wake registrations are removed, the Rust futures it
/// awaits are dropped), on the thread of the executor that drives it.
#[must_use = "futures do nothing unless awaited"]
pub struct CppTaskFuture<T: BridgeValue> {
    stepper: Stepper<Result<T, Error>>,
    /// Why the task will not run (empty, or started by someone else), reported by the
    /// first poll.
    refused: Option<Error>,
    /// The result was returned; a further poll is a misuse.
    completed: bool,
}

impl<T: BridgeValue> Unpin for CppTaskFuture<T> {}

impl<T: BridgeValue> Future for CppTaskFuture<T> {
    type Output = Result<T, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.completed {
            return Poll::Ready(Err(Error::PolledAfterCompletion));
        }
        if let Some(error) = this.refused.take() {
            this.completed = true;
            return Poll::Ready(Err(error));
        }
        let result = ready!(this.stepper.poll_step(cx));
        this.completed = true;
        if !matches!(result, Err(Error::ExecutorGone)) {
            // The task is at its final suspend: nothing else references the frame.
            this.stepper.destroy();
        }
        Poll::Ready(result)
    }
}

impl<T: BridgeValue> std::fmt::Debug for CppTaskFuture<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CppTaskFuture")
            .field("type", &std::any::type_name::<T>())
            .field("phase", &self.stepper.phase_name())
            .finish()
    }
}
