//! The driver of a `CppTask` polled under a foreign executor (tokio, futures'
//! `block_on`, ...): a run queue drained inside the future's `poll`, the C++ timers of
//! the frames it drives (`local_timers`), and a remote side that wakes the outer task's
//! `Waker` when another thread queues work.

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

use super::context::{self, Driver, Owner};
use super::local_timers::LocalTimers;
use super::node::{self, Ran};
use super::remote::Remote;
use super::run_queue::RunQueue;
use crate::ffi;

/// See the module documentation.
pub(crate) struct LocalDriver {
    queue: RunQueue,
    remote: Arc<Remote>,
    /// True once an outer task's waker was registered with `remote`.
    has_waker: Cell<bool>,
    timers: RefCell<LocalTimers>,
}

// SAFETY: the run queue is only touched while the owning `CppTask` future is polled or
// dropped, which `&mut`/ownership makes exclusive even when the future migrates between
// threads; frames bound to this driver are resumed and destroyed only there too.
unsafe impl Send for LocalDriver {}
// SAFETY: shared references are only used by the thread that currently drives it (see
// above); everything reachable from other threads goes through `remote`.
unsafe impl Sync for LocalDriver {}

/// How many queued resumptions one `poll` runs before yielding to the outer executor.
const BUDGET: usize = 4096;

thread_local! {
    /// A driver kept for the next poll on this thread (see `LocalDriver::take`).
    static SPARE: Cell<Option<Box<LocalDriver>>> = const { Cell::new(None) };
}

impl LocalDriver {
    pub(crate) fn new() -> Box<Self> {
        Box::new(Self {
            queue: RunQueue::new(),
            remote: Remote::new(None),
            has_waker: Cell::new(false),
            timers: RefCell::new(LocalTimers::new()),
        })
    }

    /// This thread's spare driver, or a new one. Most C++ steps polled under a foreign
    /// executor finish inline and leave their driver untouched: it is handed back with
    /// [`LocalDriver::recycle`] instead of being built and dropped for every step.
    pub(crate) fn take() -> Box<Self> {
        SPARE
            .try_with(Cell::take)
            .ok()
            .flatten()
            .unwrap_or_else(Self::new)
    }

    /// True if nothing references the driver any more: no queued work, no wake from
    /// another thread in flight, no wake token (live or finished) holding its remote side.
    pub(crate) fn is_unused(&self) -> bool {
        self.queue.is_empty()
            && !self.remote.has_items()
            && Arc::strong_count(&self.remote) == 1
            && self.timers.borrow().is_empty()
    }

    /// Keeps an unused driver as this thread's spare (drops it otherwise, or if the
    /// thread already has one). Returns the driver if it is still in use.
    pub(crate) fn recycle(driver: Box<Self>) -> Option<Box<Self>> {
        if !driver.is_unused() {
            return Some(driver);
        }
        if driver.has_waker.replace(false) {
            driver.remote.clear_waker();
        }
        driver.timers.borrow_mut().disarm();
        let previous = SPARE.try_with(|spare| spare.replace(Some(driver)));
        // Dropped here: a thread's second spare, or a driver on an exiting thread.
        drop(previous);
        None
    }

    /// This driver as the thread's current driver.
    pub(crate) fn as_driver(&self) -> Driver {
        let owner = Owner::Local(NonNull::from(self).cast());
        // SAFETY: the queue and the remote side are this driver's own fields.
        unsafe { Driver::new(&self.queue, &self.remote, owner) }
    }

    /// The local driver, if `driver` is one.
    pub(crate) fn from_driver(driver: Driver) -> Option<NonNull<LocalDriver>> {
        // `as_driver` is the only maker of local owners, from a LocalDriver.
        driver.local_owner().map(NonNull::cast)
    }

    /// Registers the waker of the outer task that drains this driver.
    fn set_waker(&self, waker: &Waker) {
        self.has_waker.set(true);
        self.remote.set_waker(waker);
    }

    /// Registers a C++ timer: `frame` is resumed by this driver `delay` from now. Returns
    /// the timer's slot, for [`LocalDriver::cancel_timer`].
    pub(crate) fn add_timer(&self, delay: Duration, frame: NonNull<c_void>) -> u32 {
        self.timers.borrow_mut().add(delay, frame)
    }

    /// Removes a C++ timer that has not fired (its frame is being destroyed).
    pub(crate) fn cancel_timer(&self, slot: u32) {
        self.timers.borrow_mut().cancel(slot);
    }

    /// Has `cx`'s waker woken at the earliest C++ timer's deadline (after a drain that
    /// left the driven task suspended).
    pub(crate) fn arm_timers(&self, cx: &Context<'_>) {
        self.timers.borrow_mut().arm(cx);
    }

    /// Resumes the caller's suspended task `frame` with this driver current, one level
    /// deeper.
    ///
    /// # Safety
    ///
    /// `frame` must be a suspended task frame the caller owns and drives with this driver.
    pub(crate) unsafe fn resume(&self, frame: NonNull<c_void>) {
        let _entered = context::enter(self.as_driver());
        let _deeper = context::deeper();
        // SAFETY: per the contract.
        unsafe { ffi::resume_task(frame.as_ptr()) };
    }

    /// Runs queued work with this driver current (see [`LocalDriver::drain`]), on behalf
    /// of the outer task whose waker is `waker`. Returns true if work remains because the
    /// budget ran out.
    pub(crate) fn drain_for(&self, waker: &Waker) -> bool {
        self.set_waker(waker);
        let _entered = context::enter(self.as_driver());
        let _deeper = context::deeper();
        self.drain()
    }

    /// Destroys the caller's frame with this driver current (its awaiters' destructors
    /// unlink their nodes from this driver's queue and cancel its timers).
    ///
    /// # Safety
    ///
    /// `frame` must be a suspended frame the caller owns and drives with this driver.
    pub(crate) unsafe fn destroy(&self, frame: NonNull<c_void>) {
        let _entered = context::enter(self.as_driver());
        // SAFETY: per the contract.
        unsafe { ffi::destroy(frame.as_ptr()) };
    }

    fn take_remote(&self) {
        let mut items = Vec::new();
        self.remote.take_into(&mut items);
        for item in items {
            item.deliver(&self.queue);
        }
    }

    /// Runs queued work (this driver must be current). Returns true if work remains
    /// because the budget ran out.
    fn drain(&self) -> bool {
        // The clock is read only if a timer is pending (a read costs about as much as a
        // resumption).
        let now = (!self.timers.borrow().is_empty()).then(Instant::now);
        for _ in 0..BUDGET {
            // Due timers first (in deadline order): no borrow is held while a frame runs.
            let due = now.and_then(|now| self.timers.borrow_mut().pop_due(now));
            if let Some(frame) = due {
                // SAFETY: a registered timer's frame is alive and suspended in its
                // awaiter (destroying it cancels the timer first).
                report_escape(unsafe { ffi::resume(frame.as_ptr()) });
                continue;
            }
            self.take_remote();
            let Some(link) = self.queue.pop_front() else {
                return false;
            };
            // SAFETY: just popped from our queue.
            match unsafe { node::run(link, &self.queue) } {
                Ran::Resume { frame, .. } => {
                    // SAFETY: a bare node belongs to a suspended awaiter of a live frame
                    // (the awaiter unlinks it before the frame can be destroyed), and a
                    // token that completes hands back its live, suspended frame.
                    report_escape(unsafe { ffi::resume(frame.as_ptr()) });
                }
                Ran::Polled | Ran::Nothing => {}
                Ran::Finished { .. } => {
                    debug_assert!(false, "Rust tasks never target a local driver");
                }
            }
        }
        self.remote.has_items() || !self.queue.is_empty()
    }
}

impl Drop for LocalDriver {
    fn drop(&mut self) {
        drop(self.remote.close());
        while let Some(link) = self.queue.pop_front() {
            // SAFETY: just popped.
            unsafe { node::release(link) };
        }
    }
}

/// Reports what a coroutine of a foreign type let escape from its resumption here (a
/// corobridge promise keeps its exceptions). corobridge's executor records such a failure
/// for `Executor::take_failures`; under another executor there is no one to hand it to, so
/// it goes to stderr rather than nowhere.
#[inline]
fn report_escape(result: Result<(), crate::CppException>) {
    if let Err(exception) = result {
        escaped(&exception);
    }
}

#[cold]
fn escaped(exception: &crate::CppException) {
    eprintln!(
        "corobridge: a C++ coroutine of a foreign type, resumed while a C++ task was polled \
         under another executor, let an exception escape ({exception}); it was dropped \
         (corobridge's Executor records such failures: Executor::take_failures)"
    );
}
