//! The schedulable node: the header that a Rust task (`TaskCell`) and a C++ frame's wake
//! token (`CppWaker`) both start with, and the one state machine that decides who links
//! it into a run queue. (C++ awaiters that resume their frame with no Rust state, such as
//! `yield()`, link a bare `corobridge_sched_node` instead: they are woken only on the
//! driver's thread, by the driver.)
//!
//! The header is the intrusive queue link, a two-function vtable (run it, release it), the
//! state and the driver's remote side; the owner is `#[repr(C)]` with the header first, so
//! a popped link converts back to it by address. A driver runs whatever it pops through
//! [`run`], which answers with a [`Ran`]: a bare C++ node asks for its frame to be resumed,
//! a Rust node runs through its vtable. Drivers know nothing else of what a node is. Any thread may wake a node; only the thread that drives its driver links it
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
use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use super::context;
use super::remote::{Remote, RemoteItem, RemoteVTable};
use super::run_queue::{self, KIND_FRAME, KIND_RUST, RunQueue};
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
    vtable: &'static NodeVTable,
    state: AtomicU8,
    remote: Arc<Remote>,
}

/// What a driver does after running a popped node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ran {
    /// Nothing more: the node was cancelled, or had nothing to do.
    Nothing,
    /// It polled a Rust future, which is pending (or the node will run again).
    Polled,
    /// Resume this C++ frame, after polling a Rust future if `polled`.
    Resume {
        frame: NonNull<c_void>,
        polled: bool,
    },
    /// It polled a Rust task that has finished (its future is dropped already): the
    /// driver forgets the task it keeps in `slot`.
    Finished { slot: usize },
}

/// How a driver runs and releases a popped Rust node (one per [`Schedulable`] type).
pub(crate) struct NodeVTable {
    run: unsafe fn(NonNull<SchedNode>, &RunQueue) -> Ran,
    release: unsafe fn(NonNull<SchedNode>),
}

/// What starts with a [`Node`]: `#[repr(C)]`, the node its first field.
///
/// # Safety
///
/// `node` must return the first field of a `#[repr(C)]` `Self`, so that a pointer to it
/// is a pointer to `Self`.
pub(crate) unsafe trait Schedulable: Sized + Send + Sync + 'static {
    /// The header.
    fn node(&self) -> &Node;

    /// Runs the node, just popped from `queue` by its driver (on the driver's thread),
    /// with the queue's reference: a node that must run again links it back (see
    /// [`Node::end_run_pending`]).
    fn run(self: Arc<Self>, queue: &RunQueue) -> Ran;
}

/// The vtable of the nodes of type `T`.
struct VTableOf<T>(std::marker::PhantomData<T>);

impl<T: Schedulable> VTableOf<T> {
    const VTABLE: NodeVTable = NodeVTable {
        run: Self::run,
        release: Self::release,
    };

    /// Runs a popped node, then releases the queue's reference.
    unsafe fn run(link: NonNull<SchedNode>, queue: &RunQueue) -> Ran {
        // SAFETY: the caller passes a link of a `T` just popped (`run`'s contract).
        unsafe { from_link::<T>(link) }.run(queue)
    }

    /// Releases the queue's reference of a popped node that will not run.
    unsafe fn release(link: NonNull<SchedNode>) {
        // SAFETY: as above.
        drop(unsafe { from_link::<T>(link) });
    }
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
    /// The header of a `T`, of the driver behind `remote`, in `state`.
    pub(crate) fn new<T: Schedulable>(remote: Arc<Remote>, state: u8) -> Self {
        Self {
            link: UnsafeCell::new(SchedNode {
                kind: KIND_RUST,
                ..SchedNode::default()
            }),
            vtable: &VTableOf::<T>::VTABLE,
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
    /// the second case: the caller links the node again. (One compare-and-swap: the state
    /// read first says which, and only a wake can move it meanwhile, `RUNNING` →
    /// `NOTIFIED`, or a cancel; either makes the swap fail and the loop read again.)
    pub(crate) fn end_run_pending(&self) -> bool {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            let next = match state {
                RUNNING => IDLE,
                NOTIFIED => QUEUED,
                _ => return false,
            };
            match self
                .state
                .compare_exchange(state, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return next == QUEUED,
                Err(now) => state = now,
            }
        }
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
unsafe fn from_link<T: Schedulable>(link: NonNull<SchedNode>) -> Arc<T> {
    // SAFETY: the link is the first field of the repr(C) node, itself the first field of
    // a repr(C) T (Schedulable's contract), whose reference `link` leaked.
    unsafe { Arc::from_raw(link.as_ptr().cast::<T>()) }
}

/// The vtable of a Rust node's link.
///
/// # Safety
///
/// `link` must be the link of a live Rust node (of kind `KIND_RUST`).
unsafe fn vtable_of(link: NonNull<SchedNode>) -> &'static NodeVTable {
    // SAFETY: a KIND_RUST link is the first field of a repr(C) Node, whose second field
    // is its vtable; the node is alive (caller's contract).
    unsafe { (*link.as_ptr().cast::<Node>()).vtable }
}

/// Runs a node its driver just popped from `queue` (on the driver's thread): a bare C++
/// node asks for its frame; a Rust node runs through its vtable, which takes the queue's
/// reference.
///
/// # Safety
///
/// `link` must have just been popped from `queue`.
#[inline]
pub(crate) unsafe fn run(link: NonNull<SchedNode>, queue: &RunQueue) -> Ran {
    // SAFETY: a popped link is valid (RunQueue's contract).
    let (kind, frame) = unsafe { ((*link.as_ptr()).kind, (*link.as_ptr()).frame) };
    if kind == KIND_FRAME {
        return match NonNull::new(frame) {
            Some(frame) => Ran::Resume {
                frame,
                polled: false,
            },
            None => Ran::Nothing,
        };
    }
    debug_assert_eq!(kind, KIND_RUST, "unknown run-queue node kind");
    // SAFETY: a popped Rust link carries the queue's reference, which `run` takes.
    unsafe { (vtable_of(link).run)(link, queue) }
}

/// Releases a node popped by a driver that goes away without running it: a Rust node's
/// queue reference is dropped; a bare C++ node needs nothing (its awaiter owns it).
///
/// # Safety
///
/// `link` must have just been popped from its queue.
pub(crate) unsafe fn release(link: NonNull<SchedNode>) {
    // SAFETY: a popped link is valid (RunQueue's contract).
    if unsafe { (*link.as_ptr()).kind } == KIND_RUST {
        // SAFETY: a popped Rust link carries the queue's reference, released here.
        unsafe { (vtable_of(link).release)(link) };
    }
}
