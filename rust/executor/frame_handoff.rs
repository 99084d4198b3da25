//! A C++ task frame dropped on another thread than its driver's: its destruction is
//! handed to the driver's thread through the driver's remote side.

use std::any::Any;
use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::Arc;

use super::cpp_waker::CppWaker;
use super::remote::{RemoteItem, RemoteVTable};
use super::run_queue::RunQueue;

/// A C++ task frame whose destruction was handed to its driver's thread, with what must
/// outlive it (its start token and its completion object).
pub(crate) struct FrameToDestroy {
    pub(crate) frame: NonNull<c_void>,
    pub(crate) token: Option<Arc<CppWaker>>,
    pub(crate) keep_alive: Option<Box<dyn Any + Send>>,
}

// SAFETY: the frame is only an address while it travels; it is destroyed by the driver on
// the driver's own thread (or by the sender once the driver is gone and has let go of it).
unsafe impl Send for FrameToDestroy {}

impl FrameToDestroy {
    /// Cancels the start token, destroys the frame, then releases what it kept alive.
    pub(crate) fn destroy(self) {
        if let Some(token) = &self.token {
            token.cancel();
        }
        // SAFETY: the frame was handed over by its only owner, suspended.
        unsafe { crate::ffi::destroy(self.frame.as_ptr()) };
        drop(self.keep_alive);
    }

    /// The item that destroys the frame on the driver's thread when delivered, or where
    /// it is dropped if the driver is gone (it let go of the frame then).
    pub(crate) fn into_remote(self) -> RemoteItem {
        const VTABLE: RemoteVTable = RemoteVTable {
            deliver: deliver_destroy,
            discard: discard_destroy,
        };
        let data = NonNull::from(Box::leak(Box::new(self))).cast();
        // SAFETY: the box is valid until one of the vtable's functions takes it back, and
        // the frame handoff is Send.
        unsafe { RemoteItem::new(data, &VTABLE) }
    }
}

/// Delivered on the driver's thread: destroys the frame there.
unsafe fn deliver_destroy(data: NonNull<()>, _: &RunQueue) {
    // SAFETY: `data` is the box leaked by `into_remote`, taken back once.
    unsafe { Box::from_raw(data.cast::<FrameToDestroy>().as_ptr()) }.destroy();
}

/// Never delivered (the driver is gone and has let go of the frame): destroys it here.
unsafe fn discard_destroy(data: NonNull<()>) {
    // SAFETY: as above.
    unsafe { Box::from_raw(data.cast::<FrameToDestroy>().as_ptr()) }.destroy();
}
