//! The timer window: where C++ appends a frame's timer to a lane without calling into Rust
//! (`corobridge_timer_window` in `abi.h`, used by `detail/timer_window.hpp`).
//!
//! After a C++ registration through `corobridge_rs_timer_add_after`, the queue opens its
//! window onto the free part of the chunk at that lane's tail. C++ registrations of the same
//! delay on this thread then write their frame's entry there and move the window on; the
//! queue reads back how far it moved ([`Window::written`]) before anything of the lane is
//! looked at. An entry the window appended is exactly what `insert_frame` would have made,
//! so the window is open only while that holds:
//!
//! | the window serves registrations of `delay` into `lane` while | closed by |
//! |---|---|
//! | the executor that owns it is the current driver | its run loop ending (`Active`), any driver entering (`context::enter`) |
//! | the clock reads what it read when it was opened | the clock being marked stale or set |
//! | the lane's newest run has the deadline `now + delay` | that run being fired, Rust writing to any lane, `clear` |
//! | the chunk has room | C++ sees `next == end` and registers through Rust |
//!
//! and a registration with a prefetch hint takes it only if the window holds that hint
//! (one the queue has recorded).
//!
//! Closing stops C++ only: the lane stays remembered and what C++ appended is taken in at
//! the next look, until Rust writes to a lane itself (then the window is forgotten).

use std::cell::{Cell, UnsafeCell};
use std::ptr::{self, NonNull};

use crate::ffi::abi::{
    corobridge_cpp_timer_window_enter, corobridge_timer_id, corobridge_timer_window,
};

/// `delay_ns` of a closed window (C++ never registers a delay below 1).
const CLOSED: i64 = -1;

/// One executor's window (its own allocation, so that its address is stable), and the lane
/// whose tail it holds.
pub(crate) struct Window {
    raw: Box<UnsafeCell<corobridge_timer_window>>,
    /// The lane it was opened on, until it is forgotten: C++ may have appended to it up to
    /// the window's `position`, even after the window was closed.
    lane: Option<u32>,
}

impl Default for Window {
    fn default() -> Self {
        Self {
            raw: Box::new(UnsafeCell::new(corobridge_timer_window {
                next: ptr::null_mut(),
                end: ptr::null_mut(),
                delay_ns: CLOSED,
                id: corobridge_timer_id {
                    position: 0,
                    lane: 0,
                    executor: 0,
                },
                hint_key: 0,
                hint_offset: usize::MAX,
            })),
            lane: None,
        }
    }
}

/// What [`Window::open`] opens the window onto.
pub(crate) struct Opening {
    /// The delay it serves.
    pub(crate) delay: u64,
    /// The lane of that delay.
    pub(crate) lane: u32,
    /// The lane's tail.
    pub(crate) position: u64,
    /// Where the tail's entry goes and the end of its chunk.
    pub(crate) room: (*mut u64, *mut u64),
    /// The executor's key.
    pub(crate) executor: u32,
}

impl Window {
    fn get(&self) -> *mut corobridge_timer_window {
        self.raw.get()
    }

    /// The lane the window was opened on and its tail as C++ left it, until the window is
    /// forgotten.
    #[inline]
    pub(crate) fn written(&self) -> Option<(u32, u64)> {
        let lane = self.lane?;
        // SAFETY: the window is ours; C++ writes to it only while no queue method runs
        // (inside a resumption on this thread), so nothing writes it concurrently.
        Some((lane, unsafe { (*self.get()).id.position }))
    }

    /// Opens the window onto `opening` (the previous lane's entries taken in first):
    /// registrations of its delay append at `room`.
    pub(crate) fn open(&mut self, opening: Opening) {
        let Ok(delay_ns) = i64::try_from(opening.delay) else {
            return self.forget();
        };
        // SAFETY: as in `written`; `&mut self` excludes other Rust access.
        let window = unsafe { &mut *self.get() };
        (window.next, window.end) = opening.room;
        window.delay_ns = delay_ns;
        window.id = corobridge_timer_id {
            position: opening.position,
            lane: opening.lane,
            executor: opening.executor,
        };
        self.lane = Some(opening.lane);
    }

    /// Closes the window and forgets its lane (whose entries were taken in): Rust is about
    /// to write to the lanes itself.
    pub(crate) fn forget(&mut self) {
        self.close();
        self.lane = None;
    }

    /// Lets registrations with the prefetch hint `(key, offset)` through (a hint recorded
    /// in the queue's hints).
    pub(crate) fn set_hint(&mut self, key: usize, offset: usize) {
        // SAFETY: as in `open`.
        let window = unsafe { &mut *self.get() };
        window.hint_key = key;
        window.hint_offset = offset;
    }

    /// Closes the window to C++ (what it appended is still to be taken in).
    pub(crate) fn close(&mut self) {
        // SAFETY: as in `open`.
        unsafe { close(self.get()) };
    }

    /// Makes this window the one C++ registrations on this thread use until the guard is
    /// dropped.
    pub(crate) fn activate(&self) -> Active {
        let window = self.get();
        // SAFETY: a plain exchange of a C++ thread-local pointer; the window outlives the
        // guard (the executor's run loop holds both).
        let previous = unsafe { corobridge_cpp_timer_window_enter(window) };
        Active {
            previous,
            mirror: ACTIVE.replace(NonNull::new(window)),
        }
    }
}

/// Guard of [`Window::activate`]: restores the window active before.
pub(crate) struct Active {
    previous: *mut corobridge_timer_window,
    mirror: Option<NonNull<corobridge_timer_window>>,
}

impl Drop for Active {
    fn drop(&mut self) {
        // SAFETY: restores the pointer `activate` replaced (whose window is closed or
        // still valid: an outer run loop's, which outlives this one).
        unsafe { corobridge_cpp_timer_window_enter(self.previous) };
        ACTIVE.set(self.mirror);
    }
}

thread_local! {
    /// The window C++ uses on this thread (a mirror of its pointer, read without a call).
    static ACTIVE: Cell<Option<NonNull<corobridge_timer_window>>> = const { Cell::new(None) };
}

/// Closes the window C++ uses on this thread, if there is one: another driver becomes
/// current, whose frames must not register with the window's executor.
#[inline]
pub(crate) fn close_active() {
    if let Some(window) = ACTIVE.get() {
        // SAFETY: the active window belongs to an executor whose run loop is on this
        // thread's stack (its `Active` guard clears the mirror first); no queue method runs
        // while a driver is entered.
        unsafe { close(window.as_ptr()) };
    }
}

/// # Safety
///
/// `window` must be a live window that nothing else accesses during the call.
unsafe fn close(window: *mut corobridge_timer_window) {
    // SAFETY: forwarded contract.
    let window = unsafe { &mut *window };
    window.delay_ns = CLOSED;
    window.next = ptr::null_mut();
    window.end = ptr::null_mut();
}
