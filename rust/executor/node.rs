//! The schedulable node: the header that a Rust task (`TaskCell`) and a C++ frame's wake
//! token (`CppWaker`) both start with, and the one state machine that decides who links
//! it into a run queue. (C++ awaiters that resume their frame with no Rust state, such as
//! `yield()`, link a bare `corobridge_sched_node` instead: they are woken only on the
//! driver's thread, by the driver.)
//!
//! The header is the intrusive queue link, the state and the driver's remote side; the
//! owner is `#[repr(C)]` with the header first, so a popped link converts back to it by
//! address. Any thread may wake a node; only the thread that drives its driver links it
//! into the run queue (another thread hands it to the remote side, which the driver
//! drains), runs it or cancels it.
//!
//! | state       | meaning                               | wake            | popped by the driver | its run ends pending  | its run ends ready | cancel (tokens)         |
//! |-------------|---------------------------------------|-----------------|----------------------|-----------------------|--------------------|-------------------------|
//! | `IDLE`      | waits for a wake                      | → `QUEUED`, link | —                    | —                     | —                  | → `CANCELLED`           |
//! | `QUEUED`    | in a run queue, or on its way there   | absorbed        | → `RUNNING`          | —                     | —                  | → `CANCELLED`, unlinked |
//! | `RUNNING`   | being run (a poll) by its driver      | → `NOTIFIED`    | —                    | → `IDLE`              | → `DONE`           | → `CANCELLED`           |
//! | `NOTIFIED`  | woken while running                   | absorbed        | —                    | → `QUEUED`, link again | → `DONE`           | → `CANCELLED`           |
//! | `DONE`      | finished: never runs again            | absorbed        | —                    | —                     | —                  | → `CANCELLED`           |
//! | `CANCELLED` | its frame is gone (tokens only)       | absorbed        | dropped              | —                     | stays              | stays                   |
//!
//! A node is linked at most once at a time: only the wake that moves it from `IDLE` to
//! `QUEUED`, or the end of a run that moves it from `NOTIFIED` to `QUEUED`, links it, and
//! the queue holds one strong reference until it pops or unlinks the node.

use std::cell::UnsafeCell;
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use super::context;
use super::remote::{Remote, RemoteItem, RemoteVTable};
use super::run_queue::{self, RunQueue};
use crate::ffi::SchedNode;

/// Waits for a wake.
pub(crate) const IDLE: u8 = 0;
/// In a run queue (or the remote side) to be run.
pub(crate) const QUEUED: u8 = 1;
/// Being run by its driver.
pub(crate) const RUNNING: u8 = 2;
/// Woken while running: runs again.
pub(crate) const NOTIFIED: u8 = 3;
/// Finished.
pub(crate) const DONE: u8 = 4;
/// Its C++ frame is gone: nothing may run or write through it again.
pub(crate) const CANCELLED: u8 = 5;

/// See the module documentation.
#[repr(C)]
pub(crate) struct Node {
    link: UnsafeCell<SchedNode>,
    state: AtomicU8,
    remote: Arc<Remote>,
}

/// What starts with a [`Node`]: `#[repr(C)]`, the node its first field.
///
/// # Safety
///
/// `node` must return the first field of a `#[repr(C)]` `Self`, so that a pointer to it
/// is a pointer to `Self`.
pub(crate) unsafe trait Schedulable: Sized + Send + Sync {
    /// The header.
    fn node(&self) -> &Node;
}

/// How a node of type `T` travels to its driver from another thread (see
/// [`into_remote`]).
struct RemoteOf<T>(std::marker::PhantomData<T>);

impl<T: Schedulable> RemoteOf<T> {
    const VTABLE: RemoteVTable = RemoteVTable {
        deliver: Self::deliver,
        discard: Self::discard,
    };

    /// On the driver's thread: links the node (the item's reference becomes the queue's).
    unsafe fn deliver(data: NonNull<()>, queue: &RunQueue) {
        // SAFETY: `data` is a reference leaked by `into_remote`, taken back once.
        link(unsafe { Arc::from_raw(data.cast::<T>().as_ptr()) }, queue);
    }

    /// Never delivered (the driver is gone): releases the reference.
    unsafe fn discard(data: NonNull<()>) {
        // SAFETY: as above.
        drop(unsafe { Arc::from_raw(data.cast::<T>().as_ptr()) });
    }
}

/// The item that carries one reference to `this` to its driver's remote side.
fn into_remote<T: Schedulable>(this: Arc<T>) -> RemoteItem {
    let data = NonNull::from(&*this).cast();
    let _item_reference = Arc::into_raw(this);
    // SAFETY: the leaked reference keeps the node alive until the vtable takes it back;
    // nodes are Send and Sync (Schedulable's bound).
    unsafe { RemoteItem::new(data, &RemoteOf::<T>::VTABLE) }
}

impl Node {
    /// A node of the driver behind `remote`, of run-queue `kind`, in `state`.
    pub(crate) fn new(
        kind: u32,
        frame: *mut std::ffi::c_void,
        remote: Arc<Remote>,
        state: u8,
    ) -> Self {
        Self {
            link: UnsafeCell::new(SchedNode {
                kind,
                frame,
                ..SchedNode::default()
            }),
            state: AtomicU8::new(state),
            remote,
        }
    }

    /// The state word (for a sink that must not write once `CANCELLED`).
    pub(crate) fn state_word(&self) -> &AtomicU8 {
        &self.state
    }

    /// The current state.
    pub(crate) fn state(&self) -> u8 {
        self.state.load(Ordering::Acquire)
    }

    /// Sets the state (by the driver, on a transition nobody else can race: an inline
    /// poll's end, the end of a task).
    pub(crate) fn set_state(&self, state: u8) {
        self.state.store(state, Ordering::Release);
    }

    fn transition(&self, from: u8, to: u8) -> bool {
        self.state
            .compare_exchange(from, to, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Popped by the driver: `QUEUED` → `RUNNING`. False if it was cancelled meanwhile.
    pub(crate) fn start_run(&self) -> bool {
        self.transition(QUEUED, RUNNING)
    }

    /// Popped by the driver to run once and finish: `QUEUED` → `DONE`. False if cancelled.
    pub(crate) fn run_once(&self) -> bool {
        self.transition(QUEUED, DONE)
    }

    /// A run that ended pending: `RUNNING` → `IDLE`, or `NOTIFIED` → `QUEUED`. True in
    /// the second case: the caller links the node again.
    pub(crate) fn end_run_pending(&self) -> bool {
        !self.transition(RUNNING, IDLE) && self.transition(NOTIFIED, QUEUED)
    }

    /// A run that ended ready: → `DONE` unless cancelled. False if it was cancelled.
    pub(crate) fn end_run_ready(&self) -> bool {
        let mut state = self.state();
        loop {
            if state == CANCELLED {
                return false;
            }
            match self
                .state
                .compare_exchange(state, DONE, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return true,
                Err(now) => state = now,
            }
        }
    }
}

/// Wakes `this` (any thread): `IDLE` → `QUEUED` links it on its driver, `RUNNING` →
/// `NOTIFIED` has it run again; other wakes are absorbed.
pub(crate) fn wake<T: Schedulable>(this: &Arc<T>) {
    let node = this.node();
    loop {
        let state = node.state();
        let next = match state {
            IDLE => QUEUED,
            RUNNING => NOTIFIED,
            _ => return,
        };
        if node.transition(state, next) {
            if next == QUEUED {
                enqueue(this);
            }
            return;
        }
    }
}

/// Hands a `QUEUED` node to its driver: linked at once on the driver's own thread while
/// the driver is current, sent through its remote side otherwise.
fn enqueue<T: Schedulable>(this: &Arc<T>) {
    let remote = &this.node().remote;
    match context::current() {
        // SAFETY: the current driver is alive while current.
        Some(driver) if Arc::ptr_eq(unsafe { driver.remote() }, remote) => {
            // SAFETY: as above; we are on the driver's thread.
            link(this.clone(), unsafe { driver.queue() });
        }
        _ => {
            // A closed driver drops the item: nothing will ever run it.
            let _ = remote.push(into_remote(this.clone()));
        }
    }
}

/// Links a `QUEUED` node into `queue` (the driver's thread), the queue keeping the
/// reference; a node cancelled or finished meanwhile is just released.
pub(crate) fn link<T: Schedulable>(this: Arc<T>, queue: &RunQueue) {
    if this.node().state() != QUEUED {
        return;
    }
    let link = NonNull::from(&this.node().link).cast::<SchedNode>();
    let _queue_reference = Arc::into_raw(this);
    // SAFETY: the link lives inside the Arc allocation, kept alive by the reference just
    // leaked until the queue pops or unlinks it; a QUEUED node is linked once (see the
    // module documentation).
    unsafe { queue.push_back(link) };
}

/// Cancels `this` (its driver's thread): it never runs again, and is unlinked from its
/// queue if it is in one.
pub(crate) fn cancel<T: Schedulable>(this: &Arc<T>) {
    let node = this.node();
    if node.state.swap(CANCELLED, Ordering::AcqRel) != QUEUED {
        return;
    }
    let link = NonNull::from(&node.link).cast::<SchedNode>();
    // SAFETY: we are on the driver's thread; a linked node's queue is alive (drivers
    // empty their queue before they go away).
    if unsafe { (*link.as_ptr()).queue.is_null() } {
        return; // queued on the remote side: the drain releases it
    }
    // SAFETY: as above.
    unsafe { run_queue::unlink_anywhere(link) };
    // SAFETY: the queue held one strong reference (taken in `link`).
    unsafe { drop(Arc::from_raw(Arc::as_ptr(this))) };
}

/// Converts a popped link back into its owner, taking the queue's reference.
///
/// # Safety
///
/// `link` must have been linked by [`link`] for a `T` and just popped from its queue.
pub(crate) unsafe fn from_link<T: Schedulable>(link: NonNull<SchedNode>) -> Arc<T> {
    // SAFETY: the link is the first field of the repr(C) node, itself the first field of
    // a repr(C) T (Schedulable's contract), whose reference `link` leaked.
    unsafe { Arc::from_raw(link.as_ptr().cast::<T>()) }
}
