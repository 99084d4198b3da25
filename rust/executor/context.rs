//! Which driver (corobridge's executor, or a Rust future driving C++ under a foreign
//! executor) runs on this thread, and how deeply Rust and C++ are nested right now.

use std::cell::Cell;
use std::ptr::NonNull;
use std::sync::Arc;

use super::remote::Remote;
use super::run_queue::RunQueue;
use super::timer;

/// Something that owns a run queue and resumes the C++ frames queued on it: corobridge's
/// executor, or the queue of a `CppTask` polled under a foreign executor. It is known
/// here only by its queue, its remote side and an erased owner; `Core::from_driver` and
/// `LocalDriver::from_driver` turn the owner back into the driver itself.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Driver {
    queue: NonNull<RunQueue>,
    remote: NonNull<Arc<Remote>>,
    owner: Owner,
}

/// Which kind of driver, and its address.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Owner {
    /// corobridge's executor (a `Core`).
    Executor(NonNull<()>),
    /// A `LocalDriver`.
    Local(NonNull<()>),
}

impl Driver {
    /// The driver `owner`, whose queue and remote side these are.
    ///
    /// # Safety
    ///
    /// `queue` and `remote` must be fields of the driver `owner` names (they live as long
    /// as it does), and `owner` its address, of the kind it says.
    pub(crate) unsafe fn new(queue: &RunQueue, remote: &Arc<Remote>, owner: Owner) -> Self {
        Self {
            queue: NonNull::from(queue),
            remote: NonNull::from(remote),
            owner,
        }
    }

    /// The driver's run queue.
    ///
    /// # Safety
    ///
    /// The driver must still be alive; a driver is alive while it is current on this
    /// thread (its `Entered` guard is nested inside its own lifetime), so a reference
    /// used before control returns to the driver is valid.
    pub(crate) unsafe fn queue<'a>(self) -> &'a RunQueue {
        // SAFETY: alive per the caller's contract; the queue lives as long (new's contract).
        unsafe { self.queue.as_ref() }
    }

    /// Where other threads send wakes for this driver.
    ///
    /// # Safety
    ///
    /// As for [`Driver::queue`].
    pub(crate) unsafe fn remote<'a>(self) -> &'a Arc<Remote> {
        // SAFETY: as for `queue`.
        unsafe { self.remote.as_ref() }
    }

    /// The executor's address, if the driver is corobridge's executor.
    pub(crate) fn executor_owner(self) -> Option<NonNull<()>> {
        match self.owner {
            Owner::Executor(core) => Some(core),
            Owner::Local(_) => None,
        }
    }

    /// The local driver's address, if the driver is one.
    pub(crate) fn local_owner(self) -> Option<NonNull<()>> {
        match self.owner {
            Owner::Local(local) => Some(local),
            Owner::Executor(_) => None,
        }
    }
}

thread_local! {
    static CURRENT: Cell<Option<Driver>> = const { Cell::new(None) };
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// The driver running on this thread, if any.
#[inline]
pub(crate) fn current() -> Option<Driver> {
    CURRENT.with(Cell::get)
}

/// Makes `driver` current until the guard is dropped (then the previous one is restored),
/// and closes the timer window in use on this thread (see `timer/window.rs`).
#[inline]
pub(crate) fn enter(driver: Driver) -> Entered {
    // C++ run by this driver must not register timers through an executor's window.
    timer::close_active_window();
    Entered {
        previous: CURRENT.with(|c| c.replace(Some(driver))),
    }
}

/// Guard returned by [`enter`].
pub(crate) struct Entered {
    previous: Option<Driver>,
}

impl Drop for Entered {
    #[inline]
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.previous));
    }
}

/// How many inline Rust→C++ or C++→Rust crossings may nest on one native stack before
/// the next one is queued on the current driver instead (keeps deep alternating chains
/// from overflowing the stack, in debug builds too).
pub(crate) const MAX_INLINE_DEPTH: u32 = 24;

/// Current nesting of inline crossings on this thread.
#[inline]
pub(crate) fn depth() -> u32 {
    DEPTH.with(Cell::get)
}

/// Counts one inline crossing until dropped.
#[inline]
pub(crate) fn deeper() -> Deeper {
    DEPTH.with(|d| d.set(d.get() + 1));
    Deeper(())
}

/// Guard returned by [`deeper`].
pub(crate) struct Deeper(());

impl Drop for Deeper {
    #[inline]
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get() - 1));
    }
}
