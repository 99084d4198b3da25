//! Rust awaits a C++ `corobridge::task<T>`.

use std::any::Any;
use std::cell::Cell;
use std::ffi::c_void;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use crate::executor::core::describe_task_error;
use crate::executor::cpp_waker::CppWaker;
use crate::executor::local_driver::LocalDriver;
use crate::executor::{self, Driver, FrameToDestroy, MAX_INLINE_DEPTH, Remote, RemoteItem};
use crate::ffi;
use crate::ffi::abi::{
    COROBRIDGE_KIND_RUST, COROBRIDGE_PAYLOAD_SHIFT, COROBRIDGE_STATE_ERROR, corobridge_completion,
    corobridge_write_fn,
};
use crate::{BridgeValue, CppException, Error};

/// A C++ `corobridge::task<T>` that crossed into Rust, not started yet.
///
/// It has the layout of the C++ object (frame and state pointers), so a `#[cxx::bridge]`
/// can return it by value: declare `type task_i32 = corobridge::CppTask<i32>;` (namespace
/// `corobridge`) and `fn compute_async(n: i32) -> task_i32;`. `.await` it (it is
/// [`IntoFuture`]) under any executor, or hand it to
/// [`Executor::spawn_cpp`](crate::Executor::spawn_cpp). Dropping it destroys the frame.
///
/// ```
/// use corobridge::{Executor, seed};
///
/// let executor = Executor::new_virtual();
/// let value = executor.block_on(seed::compute_async(10)); // sleeps 100 ms of virtual time
/// assert_eq!(value, Ok(100));
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
        let raw = self.into_raw();
        CppTaskFuture {
            frame: raw.map(|(frame, _)| frame),
            state: raw.map_or(NonNull::dangling(), |(_, state)| state),
            phase: Phase::Unstarted,
        }
    }
}

/// Converts what C++ hands a Rust completion into the task's result.
///
/// # Safety
///
/// Called from the task's final suspend with the arguments C++ passes: `state` is live,
/// and `value`/`write` produce a valid `T` (the BridgeValue/TaskAlias contract) unless the
/// task threw.
unsafe fn outcome<T: BridgeValue>(
    value: *mut c_void,
    write: corobridge_write_fn,
    state: *mut u64,
) -> Result<T, CppException> {
    let state = NonNull::new(state).expect("C++ passes the state word");
    // SAFETY: live during the final suspend; accessed atomically.
    let word = unsafe { AtomicU64::from_ptr(state.as_ptr()) }.load(Ordering::Acquire);
    if word & u64::from(COROBRIDGE_STATE_ERROR) != 0 {
        // SAFETY: the task threw; its frame is alive.
        return Err(unsafe { describe_task_error(state) });
    }
    let mut out = MaybeUninit::<T>::uninit();
    match write {
        // SAFETY: C++ writes a valid T into `out` (caller's contract).
        Some(write) => unsafe { write(value, out.as_mut_ptr().cast()) },
        None if size_of::<T>() == 0 => {}
        None => {
            return Err(CppException::new(
                "corobridge::bridge_error",
                "a C++ task<void> was declared to Rust as producing a value",
            ));
        }
    }
    // SAFETY: written above (or a zero-sized T, which needs no bytes).
    Ok(unsafe { out.assume_init() })
}

/// The completion used while the first `poll` resumes the task inline: no allocation.
#[repr(C)]
struct InlineCompletion<T> {
    base: corobridge_completion,
    result: Cell<Option<Result<T, CppException>>>,
}

unsafe extern "C" fn complete_inline<T: BridgeValue>(
    this: *mut corobridge_completion,
    value: *mut c_void,
    write: corobridge_write_fn,
    state: *mut u64,
) {
    // SAFETY: installed only as the first field of a repr(C) InlineCompletion<T> that lives
    // on the stack of the poll that resumes the task, on this thread.
    let this = unsafe { &*this.cast::<InlineCompletion<T>>() };
    // SAFETY: forwarded from C++ (see `outcome`).
    this.result
        .set(Some(unsafe { outcome(value, write, state) }));
}

/// The completion of a task that suspended: shared with whoever resumes it.
#[repr(C)]
struct Completion<T> {
    base: corobridge_completion,
    inner: Mutex<Outcome<T>>,
}

struct Outcome<T> {
    result: Option<Result<T, CppException>>,
    waker: Option<Waker>,
}

impl<T: BridgeValue> Completion<T> {
    fn new(waker: &Waker, result: Option<Result<T, CppException>>) -> Arc<Self> {
        Arc::new(Self {
            base: corobridge_completion {
                complete: Some(complete_shared::<T>),
            },
            inner: Mutex::new(Outcome {
                result,
                waker: Some(waker.clone()),
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Outcome<T>> {
        self.inner
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

unsafe extern "C" fn complete_shared<T: BridgeValue>(
    this: *mut corobridge_completion,
    value: *mut c_void,
    write: corobridge_write_fn,
    state: *mut u64,
) {
    // SAFETY: installed only as the first field of a repr(C) Completion<T>, which the
    // future (or the executor, for a frame handed over for destruction) keeps alive for as
    // long as the frame exists.
    let this = unsafe { &*this.cast::<Completion<T>>() };
    // SAFETY: forwarded from C++ (see `outcome`).
    let result = unsafe { outcome(value, write, state) };
    let waker = {
        let mut inner = this.lock();
        inner.result = Some(result);
        inner.waker.take()
    };
    if let Some(waker) = waker {
        waker.wake();
    }
}

fn rust_kind(completion: *const corobridge_completion) -> u64 {
    ((completion.expose_provenance() as u64 >> 3) << COROBRIDGE_PAYLOAD_SHIFT)
        | u64::from(COROBRIDGE_KIND_RUST)
}

enum Phase<T> {
    Unstarted,
    /// Resumed by a driver that outlives this poll (an executor, or an outer task's local
    /// driver); the completion wakes us.
    Bound {
        completion: Arc<Completion<T>>,
        remote: Arc<Remote>,
        deferred_start: Option<Arc<CppWaker>>,
    },
    /// Polled under a foreign executor: we drive our own queue inside `poll`.
    Own {
        completion: Arc<Completion<T>>,
        driver: Box<LocalDriver>,
    },
    Finished,
}

/// The future of a [`CppTask`]: resolves to the C++ task's value, or to
/// [`Error::Cpp`] with the exception's type name and `what()`.
///
/// Works under corobridge's executor and under any other (tokio, `futures::executor`):
/// without a corobridge driver on the thread, it drives the C++ frames it is responsible
/// for inside its own `poll`. Wakes only queue work; frames are resumed in `poll` or by the
/// executor, never inside a waker. The value is moved straight from the C++ promise into
/// Rust when the task finishes. Dropping the future destroys the C++ frame (its locals'
/// destructors run, its timers and wake registrations are removed), on the thread of the
/// executor that drives it.
#[must_use = "futures do nothing unless awaited"]
pub struct CppTaskFuture<T: BridgeValue> {
    frame: Option<NonNull<c_void>>,
    state: NonNull<u64>,
    phase: Phase<T>,
}

// SAFETY: as for CppTask: the frame is resumed only by its driver (here inside `poll`,
// which `&mut` makes exclusive, or by its executor on that executor's thread), and its
// destruction is sent back to the executor's thread when dropped elsewhere.
unsafe impl<T: BridgeValue + Send> Send for CppTaskFuture<T> {}

impl<T: BridgeValue> Unpin for CppTaskFuture<T> {}

impl<T: BridgeValue> CppTaskFuture<T> {
    fn state_word(&self) -> &AtomicU64 {
        // SAFETY: the state word lives in the frame, which we own while `frame` is Some
        // (callers check); it is accessed atomically by both languages.
        unsafe { AtomicU64::from_ptr(self.state.as_ptr()) }
    }

    /// Destroys the finished frame and returns its result.
    fn finish(&mut self, result: Result<T, CppException>) -> Result<T, Error> {
        if let Some(frame) = self.frame.take() {
            if let Phase::Bound {
                deferred_start: Some(token),
                ..
            } = &self.phase
            {
                token.cancel();
            }
            // SAFETY: the task is suspended at its final point; we own it.
            unsafe { ffi::destroy(frame.as_ptr()) };
        }
        self.phase = Phase::Finished;
        result.map_err(Error::Cpp)
    }

    /// Moves the completion to the heap so it outlives this poll.
    fn attach_shared(
        &self,
        inline: Option<&InlineCompletion<T>>,
        waker: &Waker,
    ) -> Arc<Completion<T>> {
        let shared = Completion::new(waker, None);
        let new = rust_kind(&shared.base);
        match inline {
            Some(inline) => {
                let old = rust_kind(&inline.base);
                let swapped = self.state_word().compare_exchange(
                    old,
                    new,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                );
                debug_assert!(
                    swapped.is_ok(),
                    "a suspended task's state changed under its owner"
                );
            }
            None => self.state_word().store(new, Ordering::Release),
        }
        shared
    }

    fn poll_unstarted(
        &mut self,
        frame: NonNull<c_void>,
        cx: &mut Context<'_>,
    ) -> Option<Poll<Result<T, Error>>> {
        match executor::current() {
            Some(driver) if executor::depth() >= MAX_INLINE_DEPTH => {
                // Too deep to start inline: queue the start on the driver.
                let completion = self.attach_shared(None, cx.waker());
                // SAFETY: the driver is current, hence alive.
                let token = unsafe { CppWaker::new(frame.as_ptr(), driver) };
                token.wake();
                self.phase = Phase::Bound {
                    completion,
                    // SAFETY: as above.
                    remote: unsafe { driver.remote() }.clone(),
                    deferred_start: Some(token),
                };
                Some(Poll::Pending)
            }
            Some(driver) => {
                let inline = InlineCompletion {
                    base: corobridge_completion {
                        complete: Some(complete_inline::<T>),
                    },
                    result: Cell::new(None),
                };
                self.state_word()
                    .store(rust_kind(&inline.base), Ordering::Release);
                {
                    let _deeper = executor::deeper();
                    // SAFETY: we own the unstarted frame and drive it on this thread.
                    let _ = unsafe { ffi::resume(frame.as_ptr()) };
                }
                if let Some(result) = inline.result.take() {
                    return Some(Poll::Ready(self.finish(result)));
                }
                let completion = self.attach_shared(Some(&inline), cx.waker());
                self.phase = Phase::Bound {
                    completion,
                    // SAFETY: the driver is current, hence alive.
                    remote: unsafe { driver.remote() }.clone(),
                    deferred_start: None,
                };
                Some(Poll::Pending)
            }
            None => {
                let completion = self.attach_shared(None, cx.waker());
                let driver = LocalDriver::new();
                {
                    let _entered = executor::enter(Driver::Local(NonNull::from(&*driver)));
                    let _deeper = executor::deeper();
                    // SAFETY: we own the unstarted frame and drive it here.
                    let _ = unsafe { ffi::resume(frame.as_ptr()) };
                }
                self.phase = Phase::Own { completion, driver };
                None
            }
        }
    }
}

impl<T: BridgeValue> Future for CppTaskFuture<T> {
    type Output = Result<T, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(frame) = this.frame else {
            return Poll::Ready(Err(Error::EmptyTask));
        };
        loop {
            match &mut this.phase {
                Phase::Unstarted => {
                    if let Some(poll) = this.poll_unstarted(frame, cx) {
                        return poll;
                    }
                }
                Phase::Bound {
                    completion, remote, ..
                } => {
                    let result = {
                        let mut inner = completion.lock();
                        let result = inner.result.take();
                        if result.is_none()
                            && !inner
                                .waker
                                .as_ref()
                                .is_some_and(|w| w.will_wake(cx.waker()))
                        {
                            inner.waker = Some(cx.waker().clone());
                        }
                        result
                    };
                    if let Some(result) = result {
                        return Poll::Ready(this.finish(result));
                    }
                    if remote.is_closed() {
                        return Poll::Ready(Err(Error::ExecutorGone));
                    }
                    return Poll::Pending;
                }
                Phase::Own { completion, driver } => {
                    completion.lock().waker = Some(cx.waker().clone());
                    driver.remote().set_waker(cx.waker());
                    let more = {
                        let _entered = executor::enter(Driver::Local(NonNull::from(&**driver)));
                        let _deeper = executor::deeper();
                        driver.drain()
                    };
                    let result = completion.lock().result.take();
                    if let Some(result) = result {
                        return Poll::Ready(this.finish(result));
                    }
                    if more {
                        cx.waker().wake_by_ref();
                    }
                    return Poll::Pending;
                }
                Phase::Finished => return Poll::Ready(Err(Error::EmptyTask)),
            }
        }
    }
}

impl<T: BridgeValue> Drop for CppTaskFuture<T> {
    fn drop(&mut self) {
        let Some(frame) = self.frame.take() else {
            return;
        };
        match std::mem::replace(&mut self.phase, Phase::Finished) {
            Phase::Bound {
                completion,
                remote,
                deferred_start,
            } => {
                let finished = completion.lock().result.is_some();
                let elsewhere = remote
                    .owner()
                    .is_some_and(|owner| owner != std::thread::current().id());
                if elsewhere && !finished {
                    // The frame waits on that executor's queues: destroy it there, keeping
                    // the completion alive until then.
                    let keep_alive: Box<dyn Any + Send> = Box::new(completion);
                    let item = RemoteItem::Destroy(FrameToDestroy {
                        frame,
                        token: deferred_start,
                        keep_alive: Some(keep_alive),
                    });
                    match remote.push(item) {
                        Ok(()) => return,
                        // The executor is gone and has let go of everything: destroy here.
                        Err(RemoteItem::Destroy(item)) => item.destroy(),
                        Err(_) => unreachable!("push gives back the item it was given"),
                    }
                    return;
                }
                if let Some(token) = deferred_start {
                    token.cancel();
                }
                // SAFETY: on the driver's thread (or finished); the frame is ours.
                unsafe { ffi::destroy(frame.as_ptr()) };
            }
            Phase::Own { driver, completion } => {
                {
                    // Destructors may unlink nodes from our queue: keep it current.
                    let _entered = executor::enter(Driver::Local(NonNull::from(&*driver)));
                    // SAFETY: we drive this frame and own it.
                    unsafe { ffi::destroy(frame.as_ptr()) };
                }
                drop(driver);
                drop(completion);
            }
            // SAFETY: unstarted: registered nowhere, ours to destroy.
            Phase::Unstarted | Phase::Finished => unsafe { ffi::destroy(frame.as_ptr()) },
        }
    }
}

impl<T: BridgeValue> std::fmt::Debug for CppTaskFuture<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let phase = match self.phase {
            Phase::Unstarted => "unstarted",
            Phase::Bound { .. } => "bound",
            Phase::Own { .. } => "driving",
            Phase::Finished => "finished",
        };
        f.debug_struct("CppTaskFuture")
            .field("type", &std::any::type_name::<T>())
            .field("phase", &phase)
            .finish()
    }
}
