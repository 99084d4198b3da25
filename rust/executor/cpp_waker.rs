//! A thread-safe, cancellable wake token for one suspended C++ coroutine
//! (`corobridge_waker` in the C ABI). Waking only queues the frame on its driver; the
//! driver resumes it later on its own thread. Cancelling (done by the awaiter's destructor)
//! guarantees the frame is never resumed through this token again.

use std::cell::UnsafeCell;
use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use super::context::{self, Driver};
use super::remote::{Remote, RemoteItem};
use super::run_queue::{self, KIND_WAKER, RunQueue};
use crate::ffi::SchedNode;

const IDLE: u8 = 0;
const QUEUED: u8 = 1;
const CANCELLED: u8 = 2;
const CLAIMED: u8 = 3;

/// See the module documentation. `node` must stay the first field (queue nodes are
/// converted back to tokens by address).
#[repr(C)]
pub(crate) struct CppWaker {
    node: UnsafeCell<SchedNode>,
    state: AtomicU8,
    frame: *mut c_void,
    remote: Arc<Remote>,
}

// SAFETY: `node` is only touched by the thread driving the token's driver (linking happens
// in `wake` only when that driver is current on the calling thread, unlinking in `cancel`
// and `claim` on the driver's thread); `state` is atomic; `frame` is an address that only
// the driver dereferences (by resuming it); `remote` is thread-safe.
unsafe impl Send for CppWaker {}
// SAFETY: as above.
unsafe impl Sync for CppWaker {}

impl CppWaker {
    /// A token for `frame`, bound to `driver`.
    ///
    /// # Safety
    ///
    /// `driver` must be alive (for example, current on this thread).
    pub(crate) unsafe fn new(frame: *mut c_void, driver: Driver) -> Arc<Self> {
        // SAFETY: the driver is alive (caller's contract).
        let remote = unsafe { driver.remote() }.clone();
        Arc::new(Self {
            node: UnsafeCell::new(SchedNode {
                kind: KIND_WAKER,
                frame,
                ..SchedNode::default()
            }),
            state: AtomicU8::new(IDLE),
            frame,
            remote,
        })
    }

    /// Queues the frame on its driver (first wake only). Safe from any thread.
    pub(crate) fn wake(self: &Arc<Self>) {
        if self
            .state
            .compare_exchange(IDLE, QUEUED, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return;
        }
        match context::current() {
            // SAFETY: the current driver is alive while current.
            Some(driver) if Arc::ptr_eq(unsafe { driver.remote() }, &self.remote) => {
                // SAFETY: as above; we are on the driver's thread.
                self.clone().link(unsafe { driver.queue() });
            }
            _ => {
                // A closed driver drops the item: nothing will ever resume the frame.
                let _ = self.remote.push(RemoteItem::Waker(self.clone()));
            }
        }
    }

    /// Links this token into `queue`, which keeps the strong reference until popped.
    /// Called on the driver's thread, for a token in the QUEUED state.
    pub(crate) fn link(self: Arc<Self>, queue: &RunQueue) {
        if self.state.load(Ordering::Acquire) != QUEUED {
            return; // cancelled meanwhile
        }
        let node = NonNull::from(&self.node).cast::<SchedNode>();
        let _queue_reference = Arc::into_raw(self);
        // SAFETY: the node lives inside the Arc allocation, kept alive by the reference
        // just leaked until the queue pops or unlinks it; a QUEUED token is linked at most
        // once (only `wake`'s winner or the remote drain links it).
        unsafe { queue.push_back(node) };
    }

    /// Prevents any later resumption through this token (driver's thread).
    pub(crate) fn cancel(self: &Arc<Self>) {
        let previous = self.state.swap(CANCELLED, Ordering::AcqRel);
        if previous == QUEUED {
            let node = NonNull::from(&self.node).cast::<SchedNode>();
            // SAFETY: we are on the driver's thread; if the node is linked, its queue is
            // alive (drivers empty their queue before they go away).
            let was_linked = unsafe { !(*node.as_ptr()).queue.is_null() };
            if was_linked {
                // SAFETY: as above.
                unsafe { run_queue::unlink_anywhere(node) };
                // SAFETY: the queue held one strong reference (taken in `link`).
                unsafe { drop(Arc::from_raw(Arc::as_ptr(self))) };
            }
        }
    }

    /// Converts a popped queue node back into the token (taking the queue's reference).
    ///
    /// # Safety
    ///
    /// `node` must be a `KIND_WAKER` node just popped from a run queue.
    pub(crate) unsafe fn from_node(node: NonNull<SchedNode>) -> Arc<Self> {
        // SAFETY: `node` is the first field of a repr(C) CppWaker whose reference was
        // leaked into the queue by `link`.
        unsafe { Arc::from_raw(node.as_ptr().cast::<CppWaker>()) }
    }

    /// The frame to resume, if the token was not cancelled (consumes the wake).
    pub(crate) fn claim(&self) -> Option<*mut c_void> {
        self.state
            .compare_exchange(QUEUED, CLAIMED, Ordering::AcqRel, Ordering::Acquire)
            .ok()
            .map(|_| self.frame)
    }

    /// C ABI pointer for a new strong reference.
    pub(crate) fn into_raw(this: Arc<Self>) -> *mut crate::ffi::abi::corobridge_waker {
        Arc::into_raw(this).cast_mut().cast()
    }

    /// Borrows the token behind a C ABI pointer without consuming the reference.
    ///
    /// # Safety
    ///
    /// `raw` must come from [`CppWaker::into_raw`] and still hold a reference.
    pub(crate) unsafe fn with_raw<R>(
        raw: *mut crate::ffi::abi::corobridge_waker,
        f: impl FnOnce(&Arc<Self>) -> R,
    ) -> R {
        // SAFETY: `raw` holds a strong reference (caller's contract); ManuallyDrop keeps
        // it from being released here.
        let token = std::mem::ManuallyDrop::new(unsafe { Arc::from_raw(raw.cast::<CppWaker>()) });
        f(&token)
    }
}
