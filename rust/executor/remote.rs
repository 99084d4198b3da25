//! The thread-safe side of a driver: wakes from other threads are queued here and the
//! driver is woken (an executor parked in `block_on`, or the outer task's `Waker`).

use std::mem;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::Waker;
use std::thread::ThreadId;
use std::time::Duration;

use super::run_queue::RunQueue;

/// Work sent to a driver from another thread, erased: the remote side does not know what
/// it carries. `deliver` hands it to the driver's run queue (on the driver's thread); an
/// item never delivered (the driver is gone) is discarded when dropped, which releases or
/// destroys what it carries.
pub(crate) struct RemoteItem {
    data: NonNull<()>,
    vtable: &'static RemoteVTable,
}

/// What a [`RemoteItem`] does with what it carries.
pub(crate) struct RemoteVTable {
    /// On the driver's thread: links it into `queue`, or does its work there.
    pub(crate) deliver: unsafe fn(NonNull<()>, &RunQueue),
    /// Releases it without delivering.
    pub(crate) discard: unsafe fn(NonNull<()>),
}

// SAFETY: the constructor's contract: what an item carries may be sent to the driver's
// thread.
unsafe impl Send for RemoteItem {}

impl RemoteItem {
    /// An item carrying `data`, which `vtable` delivers or discards exactly once.
    ///
    /// # Safety
    ///
    /// `data` must be valid for `vtable`'s functions until one of them has run, and safe
    /// to hand to another thread.
    pub(crate) unsafe fn new(data: NonNull<()>, vtable: &'static RemoteVTable) -> Self {
        Self { data, vtable }
    }

    /// Delivers the item to `queue`, its driver's run queue (on the driver's thread).
    pub(crate) fn deliver(self, queue: &RunQueue) {
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: valid until delivered or discarded (new's contract); consumed here, and
        // ManuallyDrop keeps Drop from discarding it as well.
        unsafe { (this.vtable.deliver)(this.data, queue) };
    }
}

impl Drop for RemoteItem {
    fn drop(&mut self) {
        // SAFETY: valid until delivered or discarded (new's contract); not delivered.
        unsafe { (self.vtable.discard)(self.data) };
    }
}

#[derive(Default)]
struct State {
    items: Vec<RemoteItem>,
    closed: bool,
    waker: Option<Waker>,
}

/// See the module documentation.
pub(crate) struct Remote {
    state: Mutex<State>,
    signal: Condvar,
    pending: AtomicBool,
    main_woken: AtomicBool,
    /// The driver is parked (or about to be) on `signal`: only then does a wake need to
    /// notify it, which costs a system call.
    parked: AtomicBool,
    remote_wakes: std::sync::atomic::AtomicU64,
    owner: Option<ThreadId>,
}

impl Remote {
    /// `owner`: the thread of an executor; `None` for a driver that moves between threads.
    pub(crate) fn new(owner: Option<ThreadId>) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State::default()),
            signal: Condvar::new(),
            pending: AtomicBool::new(false),
            main_woken: AtomicBool::new(false),
            parked: AtomicBool::new(false),
            remote_wakes: std::sync::atomic::AtomicU64::new(0),
            owner,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the state inconsistent (plain pushes).
        self.state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// The thread that owns this driver, if it is bound to one.
    pub(crate) fn owner(&self) -> Option<ThreadId> {
        self.owner
    }

    /// Queues `item` and wakes the driver. Gives the item back if the driver is gone
    /// (dropping it discards it).
    pub(crate) fn push(&self, item: RemoteItem) -> Result<(), RemoteItem> {
        let (waker, parked) = {
            let mut state = self.lock();
            if state.closed {
                return Err(item);
            }
            state.items.push(item);
            self.pending.store(true, Ordering::Release);
            // Read under the lock, which `park` holds from setting the flag until it
            // waits: if it is not set, the driver has yet to check for items and will
            // see this one.
            (state.waker.clone(), self.parked.load(Ordering::Relaxed))
        };
        self.remote_wakes.fetch_add(1, Ordering::Relaxed);
        if parked {
            self.signal.notify_one();
        }
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// True if items are waiting (cheap check, no lock).
    pub(crate) fn has_items(&self) -> bool {
        self.pending.load(Ordering::Acquire)
    }

    /// Moves the waiting items into `out`.
    pub(crate) fn take_into(&self, out: &mut Vec<RemoteItem>) {
        if !self.has_items() {
            return;
        }
        let mut state = self.lock();
        self.pending.store(false, Ordering::Release);
        out.append(&mut state.items);
    }

    /// Registers the waker to call when items arrive (drivers that do not park).
    pub(crate) fn set_waker(&self, waker: &Waker) {
        let mut state = self.lock();
        match &state.waker {
            Some(current) if current.will_wake(waker) => {}
            _ => state.waker = Some(waker.clone()),
        }
    }

    /// Forgets the registered waker (a driver going back to its thread's spare slot).
    pub(crate) fn clear_waker(&self) {
        let stale = self.lock().waker.take();
        drop(stale);
    }

    /// Marks the driver's main future as woken and wakes the driver.
    pub(crate) fn wake_main(&self) {
        // A future that wakes itself while the driver polls it (a yield, or a fiber's unit
        // yield) must not pay for a futex call: notify only a parked driver. SeqCst pairs
        // the flag with `park`'s: either this sees `parked`, or the driver, setting it
        // first, then sees `main_woken`.
        self.main_woken.store(true, Ordering::SeqCst);
        if self.parked.load(Ordering::SeqCst) {
            drop(self.lock()); // a driver between its check and its wait holds the lock
            self.signal.notify_one();
        }
    }

    /// Consumes the main-future wake flag.
    pub(crate) fn take_main_wake(&self) -> bool {
        self.main_woken.swap(false, Ordering::AcqRel)
    }

    pub(crate) fn main_woken(&self) -> bool {
        self.main_woken.load(Ordering::SeqCst)
    }

    /// Blocks until items or a main wake arrive, or `timeout` passes.
    pub(crate) fn park(&self, timeout: Option<Duration>) {
        let state = self.lock();
        self.parked.store(true, Ordering::SeqCst);
        let idle = |_: &mut State| !self.has_items() && !self.main_woken();
        match timeout {
            Some(t) => drop(self.signal.wait_timeout_while(state, t, idle)),
            None => drop(self.signal.wait_while(state, idle)),
        }
        // (Cleared after the lock is released: a wake in between only notifies in vain.)
        self.parked.store(false, Ordering::SeqCst);
    }

    /// Refuses further items and returns those still queued.
    pub(crate) fn close(&self) -> Vec<RemoteItem> {
        let mut state = self.lock();
        state.closed = true;
        state.waker = None;
        self.pending.store(false, Ordering::Release);
        mem::take(&mut state.items)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Items received from other threads so far.
    pub(crate) fn remote_wakes(&self) -> u64 {
        self.remote_wakes.load(Ordering::Relaxed)
    }
}
