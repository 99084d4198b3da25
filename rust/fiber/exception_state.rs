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

/// Called by a fiber on its own stack when it starts running or is resumed: keeps the
/// resumer's state in `resumer` and installs the fiber's `saved` one.
///
/// The fiber does both halves of the swap itself ([`suspending`] before it switches out,
/// this after it is switched in), rather than the resumer around its `resume`: then the
/// resumer has nothing to do after a switch back but read the switch's result, and a
/// round trip (i32 each way, C++ yield ten calls deep) measured about 0.5-1 ns faster,
/// interleaved with the same switch on raw corosensei. (The whole swap costs 2-3 ns.)
///
/// # Safety
///
/// `live` must be this thread's [`thread_state`], and no C++ code may have run on the
/// fiber's side of the switch since it was switched in.
#[inline]
pub(crate) unsafe fn resumed(
    live: NonNull<EhState>,
    saved: &Cell<EhState>,
    resumer: &Cell<EhState>,
) {
    // SAFETY: per the contract, the thread's own state, used by nothing else right now.
    unsafe {
        resumer.set(live.read());
        live.write(saved.get());
    }
}

/// Called by a fiber on its own stack right before it switches out: saves its state in
/// `saved` and gives the thread back the resumer's.
///
/// # Safety
///
/// As [`resumed`]; no C++ code may run between this call and the switch.
#[inline]
pub(crate) unsafe fn suspending(
    live: NonNull<EhState>,
    saved: &Cell<EhState>,
    resumer: &Cell<EhState>,
) {
    // SAFETY: per the contract.
    unsafe {
        saved.set(live.read());
        live.write(resumer.get());
    }
}

/// Called by the resumer once the fiber has finished (returned, or unwound out of its
/// root): gives the thread back its own state, which the fiber kept in `resumer`.
///
/// # Safety
///
/// As [`resumed`], right after the fiber's last switch out.
#[inline]
pub(crate) unsafe fn finished(live: NonNull<EhState>, resumer: &Cell<EhState>) {
    // SAFETY: per the contract.
    unsafe { live.write(resumer.get()) }
}
