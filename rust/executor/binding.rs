//! What a C++ coroutine stepped from Rust (`cpp_step`) needs of the driver on its thread,
//! and nothing more: whether it may resume the coroutine inline here, and, once a driver
//! resumes it from then on, the [`Binding`] that says whether that driver is still there,
//! cancels a start that was queued instead of run inline, and destroys the frame on the
//! driver's thread. (A step with no driver on its thread drives the coroutine itself, with
//! a `LocalDriver`.)

use std::any::Any;
use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::Arc;

use super::context::{self, MAX_INLINE_DEPTH};
use super::cpp_waker::CppWaker;
use super::frame_handoff::FrameToDestroy;
use super::remote::Remote;

/// Where a step may resume its coroutine right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Here {
    /// A driver is current and the native stack has room: resume inline.
    Inline,
    /// A driver is current but the native stack is deep: queue the start on it.
    TooDeep,
    /// No driver runs on this thread: the step drives the coroutine itself.
    NoDriver,
}

/// Where a step may resume its coroutine right now (see [`Here`]).
#[inline]
pub(crate) fn here() -> Here {
    match context::current() {
        None => Here::NoDriver,
        Some(_) if context::depth() < MAX_INLINE_DEPTH => Here::Inline,
        Some(_) => Here::TooDeep,
    }
}

/// Resumes a suspended C++ task frame inline, one level deeper, under the current driver.
///
/// # Safety
///
/// `frame` must be the caller's suspended task frame, and [`here`] must have said
/// [`Here::Inline`] on this thread with nothing changed since.
#[inline]
pub(crate) unsafe fn resume_inline(frame: NonNull<c_void>) {
    let _deeper = context::deeper();
    // SAFETY: per the contract: our suspended frame, its driver current on this thread.
    unsafe { crate::ffi::resume_task(frame.as_ptr()) };
}

/// A coroutine that the driver of this thread resumes from now on (its completion wakes
/// the step): what the step keeps of that driver.
pub(crate) struct Binding {
    remote: Arc<Remote>,
    /// The first resumption, queued on the driver instead of run inline.
    deferred_start: Option<Arc<CppWaker>>,
}

impl Binding {
    /// Binds to the current driver, which has just resumed the coroutine inline (and now
    /// resumes it whenever what it awaits is ready). None if no driver is current.
    pub(crate) fn to_current() -> Option<Self> {
        let driver = context::current()?;
        Some(Self {
            // SAFETY: the driver is current, hence alive.
            remote: unsafe { driver.remote() }.clone(),
            deferred_start: None,
        })
    }

    /// Queues the first resumption of `frame` on the current driver instead of resuming
    /// it inline (the native stack is deep already). None if no driver is current.
    ///
    /// # Safety
    ///
    /// `frame` must be the caller's suspended task frame; it stays alive until this
    /// binding is finished or destroys it.
    pub(crate) unsafe fn defer_start(frame: NonNull<c_void>) -> Option<Self> {
        let driver = context::current()?;
        // SAFETY: the driver is current, hence alive; the token is cancelled (by `finish`
        // or `destroy`) before the frame can go away.
        let token = unsafe { CppWaker::for_frame(frame.as_ptr(), driver) };
        token.wake();
        Some(Self {
            // SAFETY: as above.
            remote: unsafe { driver.remote() }.clone(),
            deferred_start: Some(token),
        })
    }

    /// True once the driver has gone: nothing will resume the coroutine again.
    pub(crate) fn driver_gone(&self) -> bool {
        self.remote.is_closed()
    }

    /// The step has finished: a queued start that has not run is cancelled.
    pub(crate) fn finish(self) {
        if let Some(token) = &self.deferred_start {
            token.cancel();
        }
    }

    /// Destroys the coroutine's frame on the driver's thread: here if this is that thread
    /// (or the coroutine has `finished` and waits on nothing), otherwise handed to the
    /// driver with `keep_alive`, which outlives the frame (boxed only then). A driver gone hands it back,
    /// and it is destroyed here.
    ///
    /// # Safety
    ///
    /// `frame` must be the caller's frame, bound to this driver, and not used afterwards.
    pub(crate) unsafe fn destroy<K: Any + Send>(
        self,
        frame: NonNull<c_void>,
        finished: bool,
        keep_alive: K,
    ) {
        let elsewhere = self
            .remote
            .owner()
            .is_some_and(|owner| owner != std::thread::current().id());
        if elsewhere && !finished {
            // The frame waits on that driver's queues: destroy it there.
            let item = FrameToDestroy {
                frame,
                token: self.deferred_start,
                keep_alive: Some(Box::new(keep_alive)),
            };
            // The driver gone (it has let go of everything), the item comes back and
            // dropping it destroys the frame here.
            drop(self.remote.push(item.into_remote()));
            return;
        }
        self.finish();
        // SAFETY: on the driver's thread (or finished); the frame is ours.
        unsafe { crate::ffi::destroy(frame.as_ptr()) };
        drop(keep_alive);
    }
}
