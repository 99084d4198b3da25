//! The C++ runtime's per-thread exception state, saved and restored on every fiber switch.
//!
//! libstdc++ (and libc++) keep the stack of caught exceptions (what
//! `std::current_exception()` and `throw;` see) and the count of exceptions in flight
//! (`std::uncaught_exceptions()`) in one per-thread struct, `__cxa_get_globals()`.
//! corosensei switches stacks without touching it, so a fiber suspended inside a `catch`
//! block would leave its exception on the thread for whatever runs next, and a fiber that
//! throws meanwhile would corrupt it (the bug Boost.Context fixed in boostorg/context#281).
//! Every fiber therefore owns a copy of that state: switching into a fiber installs the
//! fiber's and keeps the resumer's aside; switching out does the reverse.

use std::cell::Cell;
use std::ptr::NonNull;

use crate::ffi::fiber_abi::{corobridge_cpp_eh_globals, corobridge_eh_globals};

/// One saved copy of the state (empty: no caught exception, nothing in flight).
pub(crate) type EhState = corobridge_eh_globals;

/// The state of a fiber that has not run yet.
pub(crate) const EMPTY: EhState = corobridge_eh_globals {
    caught_exceptions: std::ptr::null_mut(),
    uncaught_exceptions: 0,
};

/// This thread's live state (its address is fixed for the thread's lifetime; fibers are
/// not `Send`, so a fiber caches it at creation).
#[inline]
pub(crate) fn thread_state() -> NonNull<EhState> {
    thread_local! {
        static LIVE: Cell<*mut EhState> = const { Cell::new(std::ptr::null_mut()) };
    }
    if let Some(live) = NonNull::new(LIVE.with(Cell::get)) {
        return live;
    }
    // SAFETY: a plain accessor of the C++ runtime, callable at any time on any thread.
    let raw = unsafe { corobridge_cpp_eh_globals() };
    let live = NonNull::new(raw).unwrap_or_else(|| {
        eprintln!("corobridge: the C++ runtime has no per-thread exception state");
        std::process::abort()
    });
    LIVE.with(|cell| cell.set(live.as_ptr()));
    live
}

/// Switches the thread to the fiber's saved state; returns the resumer's.
///
/// # Safety
///
/// `live` must be this thread's [`thread_state`], and no C++ code may run on this thread
/// between this call and the switch into the fiber.
#[inline]
pub(crate) unsafe fn enter(live: NonNull<EhState>, fiber: &Cell<EhState>) -> EhState {
    // SAFETY: per the contract, the thread's own state, used by nothing else right now.
    unsafe {
        let resumer = live.read();
        live.write(fiber.get());
        resumer
    }
}

/// Saves the fiber's state (as the switch out of it left it) and restores the resumer's.
///
/// # Safety
///
/// As [`enter`], right after the switch back out of the fiber.
#[inline]
pub(crate) unsafe fn leave(live: NonNull<EhState>, fiber: &Cell<EhState>, resumer: EhState) {
    // SAFETY: per the contract.
    unsafe {
        fiber.set(live.read());
        live.write(resumer);
    }
}
