//! An intrusive FIFO of run-queue nodes. C++ awaiters embed their node and unlink it when
//! they are destroyed, so a destroyed coroutine can never be resumed from the queue.

use std::cell::Cell;
use std::ffi::c_void;
use std::ptr::{self, NonNull};

use crate::ffi::SchedNode;
use crate::ffi::abi::COROBRIDGE_NODE_FRAME;

/// A node owned by a C++ awaiter: resume `node.frame`.
pub(crate) const KIND_FRAME: u32 = COROBRIDGE_NODE_FRAME;
/// The link of a Rust node (`node::Node`: a task, a wake token), run through its vtable.
pub(crate) const KIND_RUST: u32 = 1;

/// The queue. Single-threaded: only the thread driving it touches it.
pub(crate) struct RunQueue {
    head: Cell<*mut SchedNode>,
    tail: Cell<*mut SchedNode>,
    len: Cell<usize>,
}

impl RunQueue {
    pub(crate) const fn new() -> Self {
        Self {
            head: Cell::new(ptr::null_mut()),
            tail: Cell::new(ptr::null_mut()),
            len: Cell::new(0),
        }
    }

    /// This queue's identity, as stored in a linked node's `queue` field.
    pub(crate) fn id(&self) -> *mut c_void {
        (self as *const Self).cast_mut().cast()
    }

    pub(crate) fn len(&self) -> usize {
        self.len.get()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len.get() == 0
    }

    /// Appends `node`.
    ///
    /// # Safety
    ///
    /// `node` must be valid, not linked into any queue, and stay valid until it is popped
    /// or unlinked (its owner unlinks it before freeing it).
    pub(crate) unsafe fn push_back(&self, node: NonNull<SchedNode>) {
        let raw = node.as_ptr();
        // SAFETY: the caller guarantees `node` is valid and unlinked; the current tail is
        // a linked node, valid by the same contract.
        unsafe {
            (*raw).prev = self.tail.get();
            (*raw).next = ptr::null_mut();
            (*raw).queue = self.id();
            match NonNull::new(self.tail.get()) {
                Some(tail) => (*tail.as_ptr()).next = raw,
                None => self.head.set(raw),
            }
        }
        self.tail.set(raw);
        self.len.set(self.len.get() + 1);
    }

    /// Removes and returns the first node (its `queue` field is cleared).
    pub(crate) fn pop_front(&self) -> Option<NonNull<SchedNode>> {
        let head = NonNull::new(self.head.get())?;
        // SAFETY: linked nodes are valid (push_back's contract).
        unsafe { self.unlink(head) };
        Some(head)
    }

    /// Removes `node` from the queue.
    ///
    /// # Safety
    ///
    /// `node` must be linked into this queue.
    pub(crate) unsafe fn unlink(&self, node: NonNull<SchedNode>) {
        let raw = node.as_ptr();
        // SAFETY: `node` and its neighbours are linked, hence valid (push_back's contract).
        unsafe {
            debug_assert_eq!(
                (*raw).queue,
                self.id(),
                "node unlinked from the wrong queue"
            );
            let (prev, next) = ((*raw).prev, (*raw).next);
            match NonNull::new(prev) {
                Some(p) => (*p.as_ptr()).next = next,
                None => self.head.set(next),
            }
            match NonNull::new(next) {
                Some(n) => (*n.as_ptr()).prev = prev,
                None => self.tail.set(prev),
            }
            (*raw).prev = ptr::null_mut();
            (*raw).next = ptr::null_mut();
            (*raw).queue = ptr::null_mut();
        }
        self.len.set(self.len.get() - 1);
    }
}

/// Unlinks `node` from whichever queue it is in (no-op if none).
///
/// # Safety
///
/// `node` must be valid; if linked, its queue must be alive and driven by this thread.
pub(crate) unsafe fn unlink_anywhere(node: NonNull<SchedNode>) {
    // SAFETY: `node` is valid (caller's contract).
    let queue = unsafe { (*node.as_ptr()).queue };
    if let Some(queue) = NonNull::new(queue.cast::<RunQueue>()) {
        // SAFETY: a linked node's queue is alive and on this thread (caller's contract),
        // and the node is linked into exactly that queue.
        unsafe { queue.as_ref().unlink(node) };
    }
}
