//! Prefetching for the frames a run is about to resume: cache lines of the frame itself,
//! and of the data a coroutine function's prefetch hint says its frames point at.

use std::collections::HashMap;

/// Prefetch hints: a coroutine function (the resume-function word at the start of its
/// frames) → the offset in its frames of a pointer to the data it touches on resuming.
#[derive(Default)]
pub(super) struct Hints {
    hints: HashMap<usize, usize>,
    last_hint: (usize, usize),
}

impl Hints {
    /// True if `(key, offset)` is the hint recorded (or used) last.
    #[inline]
    pub(super) fn is_last(&self, key: usize, offset: usize) -> bool {
        self.last_hint == (key, offset)
    }

    /// Records a prefetch hint for the coroutine function whose frames start with `key`
    /// (one compare when it is the last one recorded).
    #[inline]
    pub(super) fn add(&mut self, key: usize, offset: usize) {
        if self.last_hint != (key, offset) {
            self.record(key, offset);
        }
    }

    #[inline(never)]
    fn record(&mut self, key: usize, offset: usize) {
        self.hints.insert(key, offset);
        self.last_hint = (key, offset);
    }

    /// The hint last recorded or looked up: (the resume function, the offset), or (0, 0).
    #[inline]
    pub(super) fn last(&self) -> (usize, usize) {
        self.last_hint
    }

    /// The hint of another coroutine function than the last one looked up.
    #[cold]
    pub(super) fn look_up(&mut self, key: usize) -> Option<usize> {
        if self.hints.is_empty() {
            return None;
        }
        let offset = *self.hints.get(&key)?;
        self.last_hint = (key, offset);
        Some(offset)
    }
}

/// Prefetches the line that the pointer at `offset` in `frame` points at.
///
/// # Safety
///
/// `frame` is a live coroutine frame whose function keeps a pointer at `offset`.
#[inline]
pub(super) unsafe fn prefetch_hinted_data(frame: usize, offset: usize) {
    let frame = std::ptr::with_exposed_provenance::<u8>(frame);
    // SAFETY: the caller's contract.
    let target = unsafe { frame.add(offset).cast::<usize>().read() };
    prefetch_lines(target, 1);
}

/// Prefetches `lines` cache lines from `address` (a coroutine frame: its resume function,
/// promise and hottest locals; or the data a prefetch hint points at).
#[inline]
pub(super) fn prefetch_lines(address: usize, lines: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let p = std::ptr::with_exposed_provenance::<i8>(address);
        for line in 0..lines {
            // SAFETY: prefetching is a hint that never faults, whatever the address.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(line * 64)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (address, lines);
}
