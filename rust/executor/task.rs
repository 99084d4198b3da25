//! Rust tasks spawned on the executor: the schedulable cell that holds a task's future,
//! and its waker. What a task runs and its `JoinHandle` are in `join_handle.rs`.

use std::cell::{Cell, UnsafeCell};
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use super::node::{self, Node, Ran, Schedulable};
use super::remote::Remote;
use super::run_queue::RunQueue;

type BoxedFuture = Pin<Box<dyn Future<Output = ()>>>;

/// A spawned Rust task. `node` must stay the first field (queue nodes are converted back
/// to tasks by address).
#[repr(C)]
pub(crate) struct TaskCell {
    node: Node,
    slot: Cell<usize>,
    future: UnsafeCell<Option<BoxedFuture>>,
}

// SAFETY: `future`, `slot` and the node's link are only accessed on the executor's thread:
// the executor (which is !Send) polls and drops the future and manages the slot, and
// `node::wake` links the node only when this task's executor is current on the calling
// thread. The executor always drops the future on its own thread (on completion, abort or
// shutdown) before releasing its own reference, so a waker dropping the last reference
// elsewhere never drops a future. The node's state is atomic and its remote side
// thread-safe.
unsafe impl Send for TaskCell {}
// SAFETY: as above.
unsafe impl Sync for TaskCell {}

impl TaskCell {
    pub(crate) fn new(remote: Arc<Remote>, future: BoxedFuture) -> Arc<Self> {
        Arc::new(Self {
            node: Node::new::<Self>(remote, node::QUEUED),
            slot: Cell::new(usize::MAX),
            future: UnsafeCell::new(Some(future)),
        })
    }

    pub(crate) fn set_slot(&self, slot: usize) {
        self.slot.set(slot);
    }

    pub(crate) fn slot(&self) -> usize {
        self.slot.get()
    }

    /// Links the task into `queue` (executor thread), the queue keeping one reference.
    pub(crate) fn link(self: Arc<Self>, queue: &RunQueue) {
        node::link(self, queue);
    }

    pub(crate) fn schedule(self: &Arc<Self>) {
        node::wake(self);
    }

    /// Polls the task once (executor thread).
    fn poll_once(self: &Arc<Self>) -> Polled {
        self.node.set_state(node::RUNNING);
        // SAFETY: the executor's thread is the only one touching `future`.
        let slot = unsafe { &mut *self.future.get() };
        let Some(future) = slot.as_mut() else {
            self.node.set_state(node::DONE);
            return Polled::Finished;
        };
        // SAFETY: the raw waker points at this task, which the `self` borrow keeps alive
        // for the whole poll; ManuallyDrop means no reference is released for it.
        let waker = ManuallyDrop::new(unsafe {
            Waker::from_raw(RawWaker::new(Arc::as_ptr(self).cast(), &VTABLE))
        });
        let mut cx = Context::from_waker(&waker);
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(()) => {
                self.node.set_state(node::DONE);
                Polled::Finished
            }
            Poll::Pending if self.node.end_run_pending() => Polled::Again,
            Poll::Pending => Polled::Waits,
        }
    }

    /// Drops the future (executor thread): on completion, abort or shutdown.
    pub(crate) fn drop_future(&self) {
        self.node.set_state(node::DONE);
        // SAFETY: the executor's thread is the only one touching `future`. The future is
        // moved out first so that code running in its destructor sees an empty slot.
        let future = unsafe { (*self.future.get()).take() };
        drop(future);
    }
}

/// How one poll of a task ended.
enum Polled {
    /// Its future is ready (or was gone).
    Finished,
    /// Pending, and woken while it ran: it runs again.
    Again,
    /// Pending, waiting for a wake.
    Waits,
}

// SAFETY: `node` is the first field of this repr(C) struct.
unsafe impl Schedulable for TaskCell {
    fn node(&self) -> &Node {
        &self.node
    }

    /// Polls the task once; a finished task's future is dropped here, and its executor
    /// forgets it.
    fn run(self: Arc<Self>, queue: &RunQueue) -> Ran {
        match self.poll_once() {
            Polled::Finished => {
                self.drop_future();
                Ran::Finished { slot: self.slot() }
            }
            Polled::Again => {
                // Woken while it ran: the queue's reference goes back into the queue.
                self.link(queue);
                Ran::Polled
            }
            Polled::Waits => Ran::Polled,
        }
    }
}

impl Drop for TaskCell {
    fn drop(&mut self) {
        debug_assert!(
            self.future.get_mut().is_none(),
            "a task's future must be dropped by its executor"
        );
    }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone_waker, wake, wake_by_ref, drop_waker);

/// The vtable of every task's waker (to recognise them).
pub(crate) fn waker_vtable() -> &'static RawWakerVTable {
    &VTABLE
}

unsafe fn clone_waker(data: *const ()) -> RawWaker {
    // SAFETY: `data` is an `Arc<TaskCell>` pointer holding a reference.
    unsafe { Arc::increment_strong_count(data.cast::<TaskCell>()) };
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: `data` holds a reference, which this consumes.
    let task = unsafe { Arc::from_raw(data.cast::<TaskCell>()) };
    task.schedule();
}

unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: `data` holds a reference, borrowed here.
    let task = ManuallyDrop::new(unsafe { Arc::from_raw(data.cast::<TaskCell>()) });
    task.schedule();
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: `data` holds a reference, released here.
    drop(unsafe { Arc::from_raw(data.cast::<TaskCell>()) });
}
