//! Rust awaits a C++ `corobridge::task<T>`.

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicPtr, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use crate::executor::core::{describe_task_error, destroy_task};
use crate::executor::cpp_waker::CppWaker;
use crate::executor::local_driver::LocalDriver;
use crate::executor::{self, Driver, FrameToDestroy, MAX_INLINE_DEPTH, Remote, RemoteItem};
use crate::ffi::abi::{
    COROBRIDGE_TASK_PENDING, COROBRIDGE_TASK_VALUE, corobridge_completion,
    corobridge_task_header,
};
use crate::ffi::{self, TaskHeader};
use crate::{BridgeValue, Error};

/// A C++ `corobridge::task<T>` that crossed into Rust, not started yet.
///
/// It has the layout of the C++ object (one pointer), so a `#[cxx::bridge]` can return it
/// by value: declare `type task_i32 = corobridge::CppTask<i32>;` (namespace
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
#[repr(transparent)]
pub struct CppTask<T: BridgeValue> {
    header: Option<NonNull<TaskHeader>>,
    _value: PhantomData<fn() -> T>,
}

// SAFETY: a C++ task frame is not tied to a thread (it is resumed on whichever thread
// drives it); a task bound to an executor hands its destruction back to that executor's
// thread (see CppTaskFuture's Drop). The value `T` is produced at the end and is `Send`
// whenever it is moved to another thread by the caller.
unsafe impl<T: BridgeValue + Send> Send for CppTask<T> {}

impl<T: BridgeValue> CppTask<T> {
    /// True if the object owns a coroutine (a moved-from C++ task is empty).
    pub fn is_empty(&self) -> bool {
        self.header.is_none()
    }

    /// Gives up ownership of the frame.
    pub(crate) fn into_header(mut self) -> Option<NonNull<TaskHeader>> {
        self.header.take()
    }
}

impl<T: BridgeValue> Drop for CppTask<T> {
    fn drop(&mut self) {
        if let Some(header) = self.header.take() {
            // SAFETY: an unstarted task is owned by this object and registered nowhere.
            unsafe { destroy_task(header) };
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
        CppTaskFuture {
            header: self.into_header(),
            state: State::Unstarted,
            _value: PhantomData,
        }
    }
}

/// Notifies the awaiting Rust task when a C++ task finishes after suspending.
#[repr(C)]
struct Completion {
    base: corobridge_completion,
    waker: Mutex<Option<Waker>>,
}

impl Completion {
    fn new(waker: &Waker) -> Arc<Self> {
        Arc::new(Self {
            base: corobridge_completion {
                complete: Some(task_completed),
            },
            waker: Mutex::new(Some(waker.clone())),
        })
    }

    fn register(&self, waker: &Waker) {
        let mut slot = self.waker.lock().unwrap_or_else(|poison| poison.into_inner());
        match &*slot {
            Some(current) if current.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }
}

unsafe extern "C" fn task_completed(completion: *mut corobridge_completion, _task: *mut corobridge_task_header) {
    // SAFETY: installed only as `Completion::base` (first field of a repr(C) Completion),
    // which the future keeps alive until it has detached it from the header.
    let completion = unsafe { &*completion.cast::<Completion>() };
    let waker = completion
        .waker
        .lock()
        .unwrap_or_else(|poison| poison.into_inner())
        .take();
    if let Some(waker) = waker {
        waker.wake();
    }
}

enum State {
    Unstarted,
    /// Resumed by a driver that outlives this poll (an executor, or an outer task's
    /// local driver); completion wakes us.
    Bound {
        completion: Arc<Completion>,
        remote: Arc<Remote>,
        deferred_start: Option<Arc<CppWaker>>,
    },
    /// Polled under a foreign executor: we drive our own queue inside `poll`.
    Own(Box<LocalDriver>),
}

/// The future of a [`CppTask`]: resolves to the C++ task's value, or to
/// [`Error::Cpp`] with the exception's type name and `what()`.
///
/// Works under corobridge's executor and under any other (tokio, `futures::executor`):
/// without a corobridge driver on the thread, it drives the C++ frames it is responsible
/// for inside its own `poll`. Wakes only queue work; frames are resumed in `poll` or by the
/// executor, never inside a waker. Dropping it destroys the C++ frame (its locals'
/// destructors run, its timers and wake registrations are removed), on the thread of the
/// executor that drives it.
#[must_use = "futures do nothing unless awaited"]
pub struct CppTaskFuture<T: BridgeValue> {
    header: Option<NonNull<TaskHeader>>,
    state: State,
    _value: PhantomData<fn() -> T>,
}

// SAFETY: as for CppTask: the frame is resumed only by its driver (here inside `poll`,
// which `&mut` makes exclusive, or by its executor on that executor's thread), and its
// destruction is sent back to the executor's thread when dropped elsewhere.
unsafe impl<T: BridgeValue + Send> Send for CppTaskFuture<T> {}

impl<T: BridgeValue> Unpin for CppTaskFuture<T> {}

fn status(header: NonNull<TaskHeader>) -> u8 {
    // SAFETY: the header is valid while the future owns the frame; `status` is written
    // atomically by the C++ final suspend.
    unsafe { AtomicU8::from_ptr(&raw mut (*header.as_ptr()).status) }.load(Ordering::SeqCst)
}

impl<T: BridgeValue> CppTaskFuture<T> {
    /// Takes the finished task's result and destroys the frame.
    fn finish(&mut self, header: NonNull<TaskHeader>) -> Result<T, Error> {
        self.detach();
        self.header = None;
        let result = match status(header) {
            s if s == COROBRIDGE_TASK_VALUE as u8 => {
                let mut out = MaybeUninit::<T>::uninit();
                // SAFETY: the task finished with a value; `take` writes a valid T (the
                // BridgeValue/TaskAlias contract) into the slot exactly once.
                unsafe {
                    let take = (*header.as_ptr()).take.expect("corobridge tasks set take");
                    take(header.as_ptr(), out.as_mut_ptr().cast());
                    Ok(out.assume_init())
                }
            }
            // SAFETY: the task finished with an exception.
            _ => Err(Error::Cpp(unsafe { describe_task_error(header) })),
        };
        // SAFETY: the finished frame is ours and suspended at its final point.
        unsafe { destroy_task(header) };
        result
    }

    /// Removes our completion callback from the header (before the frame goes away).
    fn detach(&mut self) {
        if let (Some(header), State::Bound { .. }) = (self.header, &self.state) {
            // SAFETY: the header is valid while we own the frame; `completion` is read
            // atomically by the C++ final suspend.
            unsafe { AtomicPtr::from_ptr(&raw mut (*header.as_ptr()).completion) }
                .store(ptr::null_mut(), Ordering::SeqCst);
        }
        if let State::Bound {
            deferred_start: Some(token),
            ..
        } = &self.state
        {
            token.cancel();
        }
    }

    /// Binds the task to `driver`: the driver resumes its frames, completion wakes us.
    fn bind(&mut self, header: NonNull<TaskHeader>, driver: Driver, waker: &Waker) {
        let completion = Completion::new(waker);
        // SAFETY: as in `detach`; the completion outlives the binding.
        unsafe { AtomicPtr::from_ptr(&raw mut (*header.as_ptr()).completion) }
            .store(ptr::from_ref(&completion.base).cast_mut(), Ordering::SeqCst);
        self.state = State::Bound {
            completion,
            // SAFETY: the current driver is alive while current.
            remote: unsafe { driver.remote() }.clone(),
            deferred_start: None,
        };
    }
}

impl<T: BridgeValue> Future for CppTaskFuture<T> {
    type Output = Result<T, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(header) = this.header else {
            return Poll::Ready(Err(Error::EmptyTask));
        };
        // SAFETY: the header is valid while we own the frame.
        let frame = unsafe { (*header.as_ptr()).frame };
        loop {
            match &mut this.state {
                State::Unstarted => match executor::current() {
                    Some(driver) if executor::depth() >= MAX_INLINE_DEPTH => {
                        // Too deep to start inline: queue the start on the driver.
                        this.bind(header, driver, cx.waker());
                        // SAFETY: the driver is current, hence alive.
                        let token = unsafe { CppWaker::new(frame, driver) };
                        token.wake();
                        if let State::Bound { deferred_start, .. } = &mut this.state {
                            *deferred_start = Some(token);
                        }
                        return Poll::Pending;
                    }
                    Some(driver) => {
                        {
                            let _deeper = executor::deeper();
                            // SAFETY: we own the unstarted frame; we are on the driver's thread.
                            let _ = unsafe { ffi::resume(frame) };
                        }
                        if status(header) != COROBRIDGE_TASK_PENDING as u8 {
                            return Poll::Ready(this.finish(header));
                        }
                        this.bind(header, driver, cx.waker());
                        return Poll::Pending;
                    }
                    None => {
                        let driver = LocalDriver::new();
                        {
                            let _entered = executor::enter(Driver::Local(NonNull::from(&*driver)));
                            let _deeper = executor::deeper();
                            // SAFETY: we own the unstarted frame and drive it here.
                            let _ = unsafe { ffi::resume(frame) };
                        }
                        this.state = State::Own(driver);
                    }
                },
                State::Bound { completion, remote, .. } => {
                    if status(header) != COROBRIDGE_TASK_PENDING as u8 {
                        return Poll::Ready(this.finish(header));
                    }
                    completion.register(cx.waker());
                    if status(header) != COROBRIDGE_TASK_PENDING as u8 {
                        return Poll::Ready(this.finish(header));
                    }
                    if remote.is_closed() {
                        return Poll::Ready(Err(Error::ExecutorGone));
                    }
                    return Poll::Pending;
                }
                State::Own(driver) => {
                    driver.remote().set_waker(cx.waker());
                    let more = {
                        let _entered = executor::enter(Driver::Local(NonNull::from(&**driver)));
                        let _deeper = executor::deeper();
                        driver.drain()
                    };
                    if status(header) != COROBRIDGE_TASK_PENDING as u8 {
                        return Poll::Ready(this.finish(header));
                    }
                    if more {
                        cx.waker().wake_by_ref();
                    }
                    return Poll::Pending;
                }
            }
        }
    }
}

impl<T: BridgeValue> Drop for CppTaskFuture<T> {
    fn drop(&mut self) {
        let Some(header) = self.header else { return };
        self.detach();
        self.header = None;
        let finished = status(header) != COROBRIDGE_TASK_PENDING as u8;
        match &self.state {
            State::Bound { remote, .. } if !finished => {
                let elsewhere = remote
                    .owner()
                    .is_some_and(|owner| owner != std::thread::current().id());
                if elsewhere {
                    // The frame waits on that executor's queues: destroy it there.
                    match remote.push(RemoteItem::Destroy(FrameToDestroy(header))) {
                        Ok(()) => return,
                        // The executor is gone and has detached everything: destroy here.
                        Err(RemoteItem::Destroy(frame)) => {
                            // SAFETY: nobody else references the frame any more.
                            unsafe { destroy_task(frame.0) };
                            return;
                        }
                        Err(_) => unreachable!("push returns the item it was given"),
                    }
                }
                // SAFETY: on the driver's thread; the frame is suspended and ours.
                unsafe { destroy_task(header) };
            }
            State::Own(driver) => {
                {
                    // Destructors may unlink nodes from our queue: keep it current.
                    let _entered = executor::enter(Driver::Local(NonNull::from(&**driver)));
                    // SAFETY: we drive this frame and own it.
                    unsafe { destroy_task(header) };
                }
            }
            // SAFETY: unstarted or finished: registered nowhere, ours to destroy.
            _ => unsafe { destroy_task(header) },
        }
    }
}

impl<T: BridgeValue> std::fmt::Debug for CppTaskFuture<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.state {
            State::Unstarted => "unstarted",
            State::Bound { .. } => "bound",
            State::Own(_) => "driving",
        };
        f.debug_struct("CppTaskFuture")
            .field("type", &std::any::type_name::<T>())
            .field("state", &state)
            .field("done", &self.header.is_none())
            .finish()
    }
}
