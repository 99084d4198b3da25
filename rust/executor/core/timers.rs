//! The executor's timers: registering, cancelling and firing them.

use std::ffi::c_void;
use std::ptr::NonNull;
use std::task::Waker;

use super::{Core, PREFETCH_AHEAD, TimerWhen};
use crate::executor::raw_timers;
use crate::executor::timer::{Ahead, Target, TimerKey};

impl Core {
    /// Registers `target` to fire after `delay` nanoseconds.
    pub(crate) fn add_timer(&self, delay: u64, target: Target) -> TimerKey {
        self.timers.borrow_mut().insert(self.now(), delay, target)
    }

    pub(crate) fn cancel_timer(&self, key: TimerKey) -> Option<Target> {
        let target = self.timers.borrow_mut().cancel(key);
        if let Some(Target::RawFrame(frame)) = &target {
            self.settle_raw(*frame);
        }
        target
    }

    /// Registers a bare coroutine handle's frame to resume at `deadline`
    /// (`GameEngine::schedule_resume`), indexed so that freeing the frame cancels it.
    pub(crate) fn add_raw_frame_timer(&self, deadline: u64, frame: NonNull<c_void>) -> TimerKey {
        let key = self
            .timers
            .borrow_mut()
            .insert_at(self.now(), deadline, Target::RawFrame(frame));
        raw_timers::insert(frame.as_ptr().addr(), self.key(), key);
        key
    }

    /// Forgets the index entries of `frame`'s raw timers that fired or were cancelled.
    fn settle_raw(&self, frame: NonNull<c_void>) {
        let mut timers = self.timers.borrow_mut();
        raw_timers::settle(frame.as_ptr().addr(), self.key(), |key| {
            timers.is_pending(key)
        });
    }

    /// Cancels a raw timer whose frame is being freed (`corobridge_rs_frame_freed`).
    pub(crate) fn cancel_freed_frame_timer(&self, key: TimerKey) {
        match self.timers.try_borrow_mut() {
            Ok(mut timers) => drop(timers.cancel(key)),
            // Only the queue's own code borrows it, and none of it frees frames.
            Err(_) => debug_assert!(
                false,
                "a frame was freed while the timer queue was borrowed"
            ),
        }
    }

    /// Registers a suspended C++ frame to resume at `when`. A non-null `hint` (an address
    /// inside `frame`) records that coroutines of the function `frame` belongs to keep a
    /// pointer to their hot data there, for the timer queue to prefetch.
    ///
    /// A relative registration opens the timer window for the next ones of its delay, so
    /// this is only for a frame that this executor, current on this thread, drives.
    ///
    /// # Safety
    ///
    /// `frame` must be a live coroutine frame, suspended.
    #[inline]
    pub(crate) unsafe fn add_frame_timer(
        &self,
        when: TimerWhen,
        frame: NonNull<c_void>,
        hint: *const c_void,
    ) -> TimerKey {
        let mut timers = self.timers.borrow_mut();
        if !hint.is_null() {
            let offset = hint.addr().wrapping_sub(frame.as_ptr().addr());
            // SAFETY: a suspended frame's first word (its resume function) is readable.
            let key = unsafe { frame.as_ptr().cast::<usize>().read() };
            // Nearly always the hint just recorded: one compare, nothing else.
            let usable = timers.has_hint(key, offset)
                || ((16..4096).contains(&offset) && offset.is_multiple_of(8) && key != 0);
            if usable {
                // Records it unless it is the last one recorded.
                timers.add_hint(key, offset);
                timers.window_hint(key, offset);
            }
        }
        let now = self.now();
        match when {
            // The caller is a C++ frame this executor drives, and it is current: the
            // window may take the next registrations of this delay.
            TimerWhen::After(delay) => timers.insert_frame_opening(now, delay, frame, self.key()),
            TimerWhen::At(deadline) => timers.insert_at(now, deadline, Target::Frame(frame)),
        }
    }

    pub(crate) fn timer_refresh_waker(&self, key: TimerKey, waker: &Waker) -> bool {
        self.timers.borrow_mut().refresh_waker(key, waker)
    }

    /// Fires every timer due at `now`, in deadline then registration order.
    ///
    /// A due run is fired a batch at a time (its entries in one chunk, see
    /// `timer/batch.rs`): the queue is borrowed to make and finish each batch, not for each
    /// entry, so what the loop does per timer is a prefetch, a read and the resume.
    pub(super) fn fire_due(&self, now: u64) -> u64 {
        let mut fired = 0;
        loop {
            let run = self.timers.borrow_mut().pop_due(now);
            let Some((lane, end)) = run else { break };
            loop {
                let batch = self.timers.borrow_mut().batch(lane, end);
                let Some(mut batch) = batch else { break };
                let mut skipped = 0;
                for index in 0..batch.len() {
                    // SAFETY: the batch is out until `finish_batch` below, and no method of
                    // the queue runs while these are called (each borrow of it ends first).
                    let ahead =
                        unsafe { batch.prefetch(index, PREFETCH_AHEAD / 2, PREFETCH_AHEAD) };
                    if let Ahead::OtherFunction { key, frame } = ahead {
                        let hint = self.timers.borrow_mut().hint_for(key);
                        // SAFETY: as above; what `prefetch` and `hint_for` gave.
                        unsafe { batch.use_hint(frame, hint) };
                    }
                    // SAFETY: as above; each index once.
                    let Some(due) = (unsafe { batch.take(index) }) else {
                        skipped += 1;
                        continue;
                    };
                    fired += 1;
                    // The entries taken so far are still counted by their lane.
                    self.timers_in_flight.set(index + 1 - skipped);
                    match due.frame() {
                        Some(frame) => self.resume_frame(frame.as_ptr()),
                        None => {
                            let target = self.timers.borrow_mut().take_due(due);
                            self.fire(target);
                        }
                    }
                }
                self.timers_in_flight.set(0);
                self.timers
                    .borrow_mut()
                    .finish_batch(lane, batch.len(), skipped);
            }
            self.timers.borrow_mut().finish_run(lane);
        }
        self.timers_fired.set(self.timers_fired.get() + fired);
        fired
    }

    fn fire(&self, target: Target) {
        match target {
            Target::Frame(frame) => self.resume_frame(frame.as_ptr()),
            Target::RawFrame(frame) => {
                self.settle_raw(frame);
                self.resume_frame(frame.as_ptr());
            }
            Target::Waker(waker) => waker.wake(),
        }
    }
}
