//! A batch: the registrations of a due run that lie in one chunk, fired one by one without
//! the queue borrowed.
//!
//! Firing a million frames one entry at a time through the queue costs a borrow, a lane
//! lookup and a chunk lookup per entry, as much again as the resume itself. A batch takes
//! those once per chunk: [`TimerQueue::batch`](super::TimerQueue::batch) hands out the
//! address of the run's next entries (up to the end of their chunk), the run loop takes
//! them in place between resumes, and
//! [`TimerQueue::finish_batch`](super::TimerQueue::finish_batch) moves the lane's head
//! past them afterwards.
//!
//! While a batch is out, nothing changes for the code its resumes run. The chunk stays
//! where it is: a chunk's memory is given up only when its lane's head leaves it (in
//! `finish_batch`) or the queue is cleared (when its executor is dropped, never inside a
//! resume). A taken entry is EMPTY, so cancelling it, asking whether it is pending or
//! refreshing its waker finds it fired, as it would once the head had passed it; an entry
//! further on that a resume cancels is EMPTY by the time the batch reaches it, and counts
//! as skipped. Only the count of pending timers must leave out the entries taken but not
//! yet passed: the run loop keeps that count beside the queue.

use std::ptr::NonNull;

use super::Due;
use super::prefetch::{prefetch_hinted_data, prefetch_lines};
use super::slots::{EMPTY, LOOK_AHEAD};
use super::targets::{is_frame, is_frame_or_empty};

/// See the module documentation.
pub(crate) struct Batch {
    /// The first entry: the lane's head.
    entries: NonNull<u64>,
    /// Entries of the run in this batch (no further than its chunk's end, after which
    /// `LOOK_AHEAD` EMPTY entries follow).
    len: usize,
    /// The prefetch hint of the last coroutine function looked up: (its resume function,
    /// the offset in its frames of the pointer to its hot data), or (0, 0).
    hint: (usize, usize),
}

/// What a batch's look ahead found at the frame `near` entries on.
pub(crate) enum Ahead {
    /// Nothing more to do (prefetched, or nothing to prefetch).
    Done,
    /// A frame of another coroutine function than the batch's hint is for: its first word,
    /// for [`TimerQueue::hint_for`](super::TimerQueue::hint_for), and the frame.
    OtherFunction { key: usize, frame: usize },
}

impl Batch {
    /// # Safety
    ///
    /// `entries` must be the lane head's entry in a live chunk, with at least `len` entries
    /// from it to the chunk's end.
    pub(super) unsafe fn new(entries: NonNull<u64>, len: usize, hint: (usize, usize)) -> Self {
        Self { entries, len, hint }
    }

    /// Entries of the run in this batch.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Prefetches for the entries behind `index`: the frame `far` entries on, and the data
    /// that the hint of the frame `near` entries on points at. Past the chunk's end, the
    /// look ahead finds EMPTY entries (`far` and `near` are capped at `LOOK_AHEAD`), so it
    /// needs no bound check.
    ///
    /// # Safety
    ///
    /// The batch must still be out: no `finish_batch` of its lane and no `clear` of its
    /// queue since it was made, and no method of the queue running.
    #[inline]
    pub(crate) unsafe fn prefetch(&self, index: usize, near: usize, far: usize) -> Ahead {
        debug_assert!(index < self.len);
        // Constants once inlined.
        let (near, far) = (near.min(LOOK_AHEAD), far.min(LOOK_AHEAD));
        // SAFETY: `index` is inside the chunk and `far` at most LOOK_AHEAD, so the entry is
        // inside the chunk or its EMPTY tail (the caller's contract keeps it alive); a
        // plain read of an entry nothing else is touching now.
        let raw = unsafe { self.entries.add(index + far).read() };
        if is_frame_or_empty(raw) {
            prefetch_lines(raw as usize, 3);
        }
        // SAFETY: as above.
        let raw = unsafe { self.entries.add(index + near).read() };
        if is_frame(raw) {
            let frame = raw as usize;
            // SAFETY: a pending timer's frame is a live, suspended coroutine frame (its
            // awaiter unregisters the timer before the frame can go away); its first
            // word, the resume function, is readable.
            let key = unsafe { std::ptr::with_exposed_provenance::<usize>(frame).read() };
            if key != self.hint.0 {
                return Ahead::OtherFunction { key, frame };
            }
            // SAFETY: the hint's offset was measured inside a frame of the same
            // coroutine function (same resume function, same frame layout), so it is
            // within this frame, which is live as above.
            unsafe { prefetch_hinted_data(frame, self.hint.1) };
        }
        Ahead::Done
    }

    /// After [`Ahead::OtherFunction`]: the hint of that function (from
    /// [`TimerQueue::hint_for`](super::TimerQueue::hint_for)), which the batch keeps for
    /// the frames after it, and prefetches for `frame`.
    ///
    /// # Safety
    ///
    /// `frame` and `hint` must be what `Ahead::OtherFunction` and `hint_for` gave, with
    /// the batch still out (as for [`Batch::prefetch`]).
    #[inline]
    pub(crate) unsafe fn use_hint(&mut self, frame: usize, hint: Option<(usize, usize)>) {
        if let Some(hint) = hint {
            self.hint = hint;
            // SAFETY: the caller's contract: the hint of this frame's function.
            unsafe { prefetch_hinted_data(frame, hint.1) };
        }
    }

    /// Takes the entry at `index` (below `len`), leaving it EMPTY; `None` if it was
    /// cancelled.
    ///
    /// # Safety
    ///
    /// As for [`Batch::prefetch`], and each index taken once.
    #[inline]
    pub(crate) unsafe fn take(&self, index: usize) -> Option<Due> {
        debug_assert!(index < self.len);
        // SAFETY: inside the chunk, which the caller's contract keeps alive; no reference
        // to the entry exists now.
        let raw = unsafe { self.entries.add(index).replace(EMPTY) };
        (raw != EMPTY).then_some(Due(raw))
    }
}
