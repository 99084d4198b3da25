//! The C++ timers (`sleep_for`, `GameTimer::wait_for`) of coroutines driven by a
//! `LocalDriver`, that is by a C++ task's future polled under an executor other than
//! corobridge's (tokio, futures' `block_on`, ...). Deadlines are on the monotonic clock;
//! equal deadlines fire in the order they were set. The driver's future is woken for the
//! earliest deadline by tokio's timer when a tokio runtime is current (with the `tokio`
//! feature), otherwise by the process's one timer thread (`timer_thread`). Virtual time
//! is corobridge's executor's alone: there is none here.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ffi::c_void;
use std::ptr::NonNull;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

use super::timer_thread::{self, Alarm};

/// The `executor` field of a C++ timer id registered here (the registry never gives it to
/// an executor).
pub(crate) const LOCAL_TIMER_KEY: u32 = u32::MAX;

struct Entry {
    frame: NonNull<c_void>,
    seq: u64,
}

/// What wakes the driver's future at the earliest deadline.
enum Waiting {
    Nothing,
    Thread {
        alarm: Alarm,
        waker: Waker,
    },
    #[cfg(feature = "tokio")]
    Tokio(std::pin::Pin<Box<tokio::time::Sleep>>),
}

/// See the module documentation.
pub(crate) struct LocalTimers {
    slots: Vec<Option<Entry>>,
    free: Vec<u32>,
    /// (deadline, order of registration, slot); entries of cancelled timers stay until
    /// they reach the top.
    heap: BinaryHeap<Reverse<(Instant, u64, u32)>>,
    next_seq: u64,
    waiting: Waiting,
}

impl LocalTimers {
    pub(crate) fn new() -> Self {
        Self {
            slots: Vec::new(),
            free: Vec::new(),
            heap: BinaryHeap::new(),
            next_seq: 0,
            waiting: Waiting::Nothing,
        }
    }

    /// True if no timer is registered.
    pub(crate) fn is_empty(&self) -> bool {
        self.slots.len() == self.free.len()
    }

    /// Registers `frame` to be resumed `delay` from now; returns its slot.
    pub(crate) fn add(&mut self, delay: Duration, frame: NonNull<c_void>) -> u32 {
        let now = Instant::now();
        let deadline = now
            .checked_add(delay)
            .unwrap_or_else(|| now + Duration::from_secs(u64::from(u32::MAX)));
        let seq = self.next_seq;
        self.next_seq += 1;
        let entry = Some(Entry { frame, seq });
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = entry;
                slot
            }
            None => {
                self.slots.push(entry);
                u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
            }
        };
        self.heap.push(Reverse((deadline, seq, slot)));
        slot
    }

    /// Removes the timer in `slot` (its frame is being destroyed while it waits).
    pub(crate) fn cancel(&mut self, slot: u32) {
        if let Some(entry) = self.slots.get_mut(slot as usize)
            && entry.take().is_some()
        {
            self.free.push(slot);
        }
    }

    /// Drops heap entries of cancelled timers from the top.
    fn skip_cancelled(&mut self) {
        while let Some(Reverse((_, seq, slot))) = self.heap.peek() {
            match &self.slots[*slot as usize] {
                Some(entry) if entry.seq == *seq => return,
                _ => drop(self.heap.pop()),
            }
        }
    }

    /// The earliest deadline, if any timer is registered.
    fn next_deadline(&mut self) -> Option<Instant> {
        self.skip_cancelled();
        self.heap.peek().map(|Reverse((deadline, ..))| *deadline)
    }

    /// Takes the frame of the earliest timer due at `now`, if one is.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<NonNull<c_void>> {
        let deadline = self.next_deadline()?;
        if deadline > now {
            return None;
        }
        let Reverse((_, _, slot)) = self.heap.pop()?;
        let entry = self.slots[slot as usize].take()?;
        self.free.push(slot);
        Some(entry.frame)
    }

    /// Arranges for `cx`'s waker to be woken at the earliest deadline (at once if it has
    /// passed), or for nothing to wait if no timer is left.
    pub(crate) fn arm(&mut self, cx: &Context<'_>) {
        let Some(deadline) = self.next_deadline() else {
            self.disarm();
            return;
        };
        if deadline <= Instant::now() {
            self.disarm();
            cx.waker().wake_by_ref();
            return;
        }
        #[cfg(feature = "tokio")]
        if super::tokio_context::tokio_current() {
            self.arm_tokio(deadline, cx);
            return;
        }
        if let Waiting::Thread { alarm, waker } = &self.waiting
            && alarm.deadline() == deadline
            && waker.will_wake(cx.waker())
        {
            return;
        }
        self.disarm();
        self.waiting = Waiting::Thread {
            alarm: timer_thread::set(deadline, cx.waker()),
            waker: cx.waker().clone(),
        };
    }

    /// Waits on tokio's timer (its runtime must have time enabled, as for any tokio
    /// timer).
    #[cfg(feature = "tokio")]
    fn arm_tokio(&mut self, deadline: Instant, cx: &Context<'_>) {
        use std::future::Future;
        let deadline = tokio::time::Instant::from_std(deadline);
        if !matches!(self.waiting, Waiting::Tokio(_)) {
            self.disarm();
            self.waiting = Waiting::Tokio(Box::pin(tokio::time::sleep_until(deadline)));
        }
        let Waiting::Tokio(sleep) = &mut self.waiting else {
            unreachable!("set above")
        };
        if sleep.deadline() != deadline {
            sleep.as_mut().reset(deadline);
        }
        let mut cx = Context::from_waker(cx.waker());
        if sleep.as_mut().poll(&mut cx).is_ready() {
            cx.waker().wake_by_ref();
        }
    }

    /// Stops waiting for a deadline.
    pub(crate) fn disarm(&mut self) {
        // Nearly always nothing is armed (a step that finished inline): test, do not move.
        if matches!(self.waiting, Waiting::Nothing) {
            return;
        }
        if let Waiting::Thread { alarm, .. } =
            std::mem::replace(&mut self.waiting, Waiting::Nothing)
        {
            timer_thread::cancel(alarm);
        }
    }
}

impl Drop for LocalTimers {
    fn drop(&mut self) {
        self.disarm();
    }
}
