//! Which driver (corobridge's executor, or a Rust future driving C++ under a foreign
//! executor) runs on this thread, and how deeply Rust and C++ are nested right now.

use std::cell::Cell;
use std::ptr::NonNull;
use std::sync::Arc;

use super::core::Core;
use super::local_driver::LocalDriver;
use super::remote::Remote;
use super::run_queue::RunQueue;

/// Something that owns a run queue and resumes the C++ frames queued on it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Driver {
    /// corobridge's executor.
    Executor(NonNull<Core>),
    /// The queue of a `CppTask` polled under a foreign executor.
    Local(NonNull<LocalDriver>),
}

impl Driver {
    /// The driver's run queue.
    ///
    /// # Safety
    ///
    /// The driver must still be alive; a driver is alive while it is current on this
    /// thread (its `Entered` guard is nested inside its own lifetime), so a reference
    /// used before control returns to the driver is valid.
    pub(crate) unsafe fn queue<'a>(self) -> &'a RunQueue {
        match self {
            // SAFETY: alive per the caller's contract.
            Driver::Executor(core) => unsafe { core.as_ref() }.queue(),
            // SAFETY: alive per the caller's contract.
            Driver::Local(local) => unsafe { local.as_ref() }.queue(),
        }
    }

    /// Where other threads send wakes for this driver.
    ///
    /// # Safety
    ///
    /// As for [`Driver::queue`].
    pub(crate) unsafe fn remote<'a>(self) -> &'a Arc<Remote> {
        match self {
            // SAFETY: alive per the caller's contract.
            Driver::Executor(core) => unsafe { core.as_ref() }.remote(),
            // SAFETY: alive per the caller's contract.
            Driver::Local(local) => unsafe { local.as_ref() }.remote(),
        }
    }

    /// The executor, if the driver is one.
    pub(crate) fn executor(self) -> Option<NonNull<Core>> {
        match self {
            Driver::Executor(core) => Some(core),
            Driver::Local(_) => None,
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

/// Makes `driver` current until the guard is dropped (then the previous one is restored).
#[inline]
pub(crate) fn enter(driver: Driver) -> Entered {
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
