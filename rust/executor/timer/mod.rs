//! The executor's timer queue: one FIFO lane per distinct delay.
//!
//! Every registration is `now + delay` with a monotonic `now`, so the deadlines within one
//! lane (one delay) never decrease: a lane is a queue of 8-byte entries appended at the back
//! and fired from the front, in a ring of 32 KiB chunks that holds only chunks with pending
//! entries, so the queue's memory follows the number of pending timers (a million
//! coroutines each waiting one frame cost 8 bytes each) and a frame is one sequential
//! sweep. Lanes are merged by a small heap keyed by (deadline, registration sequence) of
//! their first pending run, which makes equal deadlines fire in registration order across
//! lanes too. A registration is identified by its lane and its position there; positions are
//! never reused, so a stale id can never cancel another timer.
//!
//! Here: the queue, its lanes and runs, and the heap. `slots.rs`: a lane's ring of chunks;
//! `targets.rs`: what an entry fires (tagged 8-byte entries and the waker slab);
//! `prefetch.rs`: prefetching the frames about to be resumed (hints and cache lines);
//! `window.rs`: the window through which C++ appends a frame's timer without a call;
//! `batch.rs`: a due run's entries in one chunk, which the run loop fires without the queue
//! borrowed.

mod batch;
mod prefetch;
mod slots;
mod targets;
#[cfg(test)]
mod tests;
mod window;

pub(crate) use self::batch::{Ahead, Batch};
use self::prefetch::Hints;
use self::slots::{EMPTY, Slots};
pub(crate) use self::targets::Target;
use self::targets::{Targets, frame_of, is_frame};
pub(crate) use self::window::{Active as WindowActive, close_active as close_active_window};
use self::window::{Opening, Window};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::ffi::c_void;
use std::ptr::NonNull;
use std::task::Waker;

/// Identifies a registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey {
    /// The lane (one delay) it was registered in.
    pub(crate) lane: u32,
    /// Its position in that lane (never reused).
    pub(crate) position: u64,
}

/// A due registration, taken out of its lane: still its 8-byte entry.
pub(crate) struct Due(u64);

impl Due {
    /// The C++ frame to resume, if this is a plain frame's timer (the common case, which
    /// needs nothing more of the queue).
    #[inline]
    pub(crate) fn frame(&self) -> Option<NonNull<c_void>> {
        is_frame(self.0).then(|| frame_of(self.0))
    }
}

/// Lanes are kept for reuse up to this many; beyond it, idle lanes are recycled.
const MAX_IDLE_LANES: usize = 64;

/// The registrations of one lane made at one `now` (hence with one deadline). Runs of
/// different lanes with equal deadlines were registered at different times (equal
/// deadline, different delay), so one run's entries all precede or all follow the
/// other's: ordering runs by their first registration orders every entry.
struct Run {
    deadline: u64,
    seq: u64,
    /// One past its last registration; of a lane's last run (the open one, which
    /// registrations extend), not kept: it ends at the lane's tail.
    end: u64,
}

struct Lane {
    /// The delay this lane serves (lanes are recycled when empty; positions only grow, so
    /// they stay unique).
    delay: u64,
    slots: Slots,
    runs: VecDeque<Run>,
    /// The deadline of the last run (which ends at the tail), while there is one: a
    /// registration with that deadline joins it.
    open: Option<u64>,
    /// True while the lane's first run has an entry in the heap.
    queued: bool,
}

/// See the module documentation.
pub(crate) struct TimerQueue {
    lanes: Vec<Lane>,
    hints: Hints,
    free_lanes: Vec<u32>,
    lane_of: HashMap<u64, u32>,
    last_lookup: Option<(u64, u32)>,
    heap: BinaryHeap<Reverse<(u64, u64, u32)>>,
    /// Runs started so far: orders runs of equal deadline by their first registration.
    seq: u64,
    /// Registrations cancelled in place that their lane's head has not passed yet: the
    /// pending timers are the lanes' entries less these (counted only off the hot path).
    cancelled: usize,
    targets: Targets,
    window: Window,
}

impl TimerQueue {
    /// An empty queue (allocates nothing until the first registration).
    pub(crate) fn new() -> Self {
        Self {
            lanes: Vec::new(),
            hints: Hints::default(),
            free_lanes: Vec::new(),
            lane_of: HashMap::new(),
            last_lookup: None,
            heap: BinaryHeap::new(),
            seq: 0,
            cancelled: 0,
            targets: Targets::default(),
            window: Window::default(),
        }
    }

    /// Takes in what C++ appended through the window (see `window.rs`); every method that
    /// looks at a lane's tail calls it first.
    #[inline]
    fn take_in(&mut self) {
        if let Some((lane, tail)) = self.window.written() {
            self.lanes[lane as usize].slots.extend_to(tail);
        }
    }

    /// Takes in what C++ appended and forgets the window: Rust writes to a lane next.
    #[inline]
    fn shut_window(&mut self) {
        self.take_in();
        self.window.forget();
    }

    /// Closes the window to C++ (the clock is about to move, or another driver runs).
    pub(crate) fn close_window(&mut self) {
        self.window.close();
    }

    /// Makes this queue's window the one C++ on this thread registers through, until the
    /// guard is dropped (the executor's run loop).
    pub(crate) fn activate_window(&self) -> WindowActive {
        self.window.activate()
    }

    /// Pending timers.
    pub(crate) fn len(&mut self) -> usize {
        self.take_in();
        let entries: usize = self.lanes.iter().map(|lane| lane.slots.len()).sum();
        entries - self.cancelled
    }

    /// The earliest pending deadline.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        self.heap.peek().map(|Reverse((deadline, _, _))| *deadline)
    }

    /// The lane of `delay`: the last one looked up, or [`TimerQueue::find_lane`].
    #[inline]
    fn lane_for(&mut self, delay: u64) -> u32 {
        match self.last_lookup {
            Some((d, lane)) if d == delay => lane,
            _ => self.find_lane(delay),
        }
    }

    /// The lane of `delay`, made (or recycled) if there is none.
    #[inline(never)]
    fn find_lane(&mut self, delay: u64) -> u32 {
        let lane = match self.lane_of.get(&delay) {
            Some(&lane) => lane,
            None => {
                let lane = match self.free_lanes.pop() {
                    Some(lane) => {
                        self.lanes[lane as usize].delay = delay;
                        lane
                    }
                    None => {
                        self.lanes.push(Lane {
                            delay,
                            slots: Slots::default(),
                            runs: VecDeque::new(),
                            open: None,
                            queued: false,
                        });
                        (self.lanes.len() - 1) as u32
                    }
                };
                self.lane_of.insert(delay, lane);
                lane
            }
        };
        self.last_lookup = Some((delay, lane));
        lane
    }

    /// The target of a pending entry, taken out of the queue.
    fn take(&mut self, raw: u64) -> Target {
        self.targets.decode(raw)
    }

    /// The target of a due registration (a waker's slot is freed).
    pub(crate) fn take_due(&mut self, due: Due) -> Target {
        self.take(due.0)
    }

    /// Registers `target` to fire at `now + delay`.
    pub(crate) fn insert(&mut self, now: u64, delay: u64, target: Target) -> TimerKey {
        let raw = self.targets.encode(target);
        self.insert_raw(now, delay, raw)
    }

    /// Registers a C++ frame to resume at `now + delay` (the game's path: no target to
    /// match on, and, inlined, no call).
    #[inline]
    pub(crate) fn insert_frame(
        &mut self,
        now: u64,
        delay: u64,
        frame: NonNull<c_void>,
    ) -> TimerKey {
        self.insert_raw(now, delay, targets::encode_frame(frame))
    }

    /// As [`TimerQueue::insert_frame`], then opens the window onto the lane's tail for the
    /// next C++ registrations of `delay` (made, as this one, by a frame that the executor
    /// `executor` drives, while it is current on this thread).
    pub(crate) fn insert_frame_opening(
        &mut self,
        now: u64,
        delay: u64,
        frame: NonNull<c_void>,
        executor: u32,
    ) -> TimerKey {
        let key = self.insert_frame(now, delay, frame);
        let slots = &mut self.lanes[key.lane as usize].slots;
        self.window.open(Opening {
            delay,
            lane: key.lane,
            position: slots.tail(),
            room: slots.tail_room(),
            executor,
        });
        key
    }

    #[inline]
    fn insert_raw(&mut self, now: u64, delay: u64, raw: u64) -> TimerKey {
        self.shut_window();
        let lane_id = self.lane_for(delay);
        let deadline = now.saturating_add(delay);
        let lane = &mut self.lanes[lane_id as usize];
        let position = lane.slots.push_back(raw);
        if lane.open != Some(deadline) {
            self.start_run(lane_id, deadline, position);
        }
        TimerKey {
            lane: lane_id,
            position,
        }
    }

    /// Starts a run of `lane_id` with the registration at `position`, closing the open one.
    #[inline(never)]
    fn start_run(&mut self, lane_id: u32, deadline: u64, position: u64) {
        let seq = self.seq;
        self.seq += 1;
        let lane = &mut self.lanes[lane_id as usize];
        if let Some(last) = lane.runs.back_mut() {
            last.end = position;
        }
        lane.runs.push_back(Run {
            deadline,
            seq,
            end: position + 1,
        });
        lane.open = Some(deadline);
        if !lane.queued {
            // The heap holds each lane's first run; while a run of this lane is being
            // fired, that is the run after it, not necessarily this one.
            let head = lane.runs.front().expect("a run was just pushed");
            lane.queued = true;
            self.heap.push(Reverse((head.deadline, head.seq, lane_id)));
        }
    }

    /// Registers `target` to fire at an absolute `deadline` (its lane is `deadline - now`).
    pub(crate) fn insert_at(&mut self, now: u64, deadline: u64, target: Target) -> TimerKey {
        self.insert(now, deadline.saturating_sub(now), target)
    }

    fn slot_mut(&mut self, key: TimerKey) -> Option<&mut u64> {
        self.take_in();
        self.lanes
            .get_mut(key.lane as usize)?
            .slots
            .at_mut(key.position)
    }

    /// True if `(key, offset)` is the prefetch hint recorded (or used) last.
    #[inline]
    pub(crate) fn has_hint(&self, key: usize, offset: usize) -> bool {
        self.hints.is_last(key, offset)
    }

    /// Records a prefetch hint for the coroutine function whose frames start with `key`.
    pub(crate) fn add_hint(&mut self, key: usize, offset: usize) {
        self.hints.add(key, offset);
    }

    /// Lets C++ registrations through the window carry the hint `(key, offset)`, which
    /// [`TimerQueue::add_hint`] recorded.
    pub(crate) fn window_hint(&mut self, key: usize, offset: usize) {
        self.window.set_hint(key, offset);
    }

    /// Removes a pending registration; None if it already fired or was cancelled.
    pub(crate) fn cancel(&mut self, key: TimerKey) -> Option<Target> {
        let slot = self.slot_mut(key)?;
        let raw = std::mem::replace(slot, EMPTY);
        if raw == EMPTY {
            return None;
        }
        self.cancelled += 1;
        Some(self.take(raw))
    }

    /// True if `key` is pending (neither fired nor cancelled).
    pub(crate) fn is_pending(&mut self, key: TimerKey) -> bool {
        self.take_in();
        self.lanes
            .get(key.lane as usize)
            .and_then(|lane| lane.slots.at(key.position))
            .is_some_and(|raw| raw != EMPTY)
    }

    /// True if `key` is pending; a pending waker that would not wake `waker`'s task is
    /// replaced by it.
    pub(crate) fn refresh_waker(&mut self, key: TimerKey, waker: &Waker) -> bool {
        let Some(&mut raw) = self.slot_mut(key) else {
            return false;
        };
        if raw == EMPTY {
            return false;
        }
        self.targets.refresh_waker(raw, waker);
        true
    }

    /// Detaches the earliest run if it is due at `now`: returns its lane and the position
    /// one past its last registration.
    pub(crate) fn pop_due(&mut self, now: u64) -> Option<(u32, u64)> {
        let &Reverse((deadline, _, lane_id)) = self.heap.peek()?;
        if deadline > now {
            return None;
        }
        self.heap.pop();
        self.take_in();
        if self.lanes[lane_id as usize].runs.len() == 1
            && self
                .window
                .written()
                .is_some_and(|(lane, _)| lane == lane_id)
        {
            // Firing the open run that the window appends to: the window is done.
            self.window.forget();
        }
        let lane = &mut self.lanes[lane_id as usize];
        lane.queued = false;
        let run = lane.runs.pop_front().expect("a queued lane has a run");
        debug_assert_eq!(run.deadline, deadline);
        if lane.runs.is_empty() {
            // The open run: it ends at the tail, and later registrations start a new one.
            lane.open = None;
            return Some((lane_id, lane.slots.tail()));
        }
        Some((lane_id, run.end))
    }

    /// Takes the next registration of a detached run (one batch of one entry), and its
    /// target.
    #[cfg(test)]
    fn fire_next(&mut self, lane_id: u32, end: u64) -> tests::Fired {
        let Some(batch) = self.batch(lane_id, end) else {
            return tests::Fired::End;
        };
        // SAFETY: the batch was just made; index 0 is below its (non-zero) length.
        let due = unsafe { batch.take(0) };
        self.finish_batch(lane_id, 1, usize::from(due.is_none()));
        match due {
            None => tests::Fired::Skip,
            Some(due) => tests::Fired::Target(self.take_due(due)),
        }
    }

    /// The next registrations of a detached run (the lane `lane_id`, its run ending at
    /// `end`) that lie in one chunk, to be taken in place without the queue borrowed;
    /// `None` once the run is exhausted. See `batch.rs`.
    #[inline]
    pub(crate) fn batch(&mut self, lane_id: u32, end: u64) -> Option<Batch> {
        let slots = &self.lanes.get(lane_id as usize)?.slots;
        let left = end.checked_sub(slots.head()).filter(|&left| left != 0)?;
        let (entries, room) = slots.head_room()?;
        let len = room.min(usize::try_from(left).unwrap_or(usize::MAX));
        // SAFETY: the head's entry in its live chunk, `room >= len` entries from the
        // chunk's end.
        Some(unsafe { Batch::new(entries, len, self.hints.last()) })
    }

    /// After a batch of `lane_id`: its head passes the first `taken` entries, of which
    /// `skipped` were found cancelled.
    #[inline]
    pub(crate) fn finish_batch(&mut self, lane_id: u32, taken: usize, skipped: usize) {
        self.cancelled -= skipped;
        if let Some(lane) = self.lanes.get_mut(lane_id as usize) {
            lane.slots.advance_by(taken as u64);
        }
    }

    /// The prefetch hint of the coroutine function whose frames start with `key` (for a
    /// batch that met another function's frame).
    #[cold]
    pub(crate) fn hint_for(&mut self, key: usize) -> Option<(usize, usize)> {
        self.hints.look_up(key).map(|offset| (key, offset))
    }

    /// Re-queues a lane after one of its runs was fired; releases idle ring memory.
    pub(crate) fn finish_run(&mut self, lane_id: u32) {
        self.take_in();
        let lane = &mut self.lanes[lane_id as usize];
        if !lane.queued
            && let Some(run) = lane.runs.front()
        {
            lane.queued = true;
            self.heap.push(Reverse((run.deadline, run.seq, lane_id)));
        }
        // With many distinct delays (arbitrary deadlines), recycle lanes that went idle.
        if lane.slots.is_empty() && lane.runs.is_empty() && self.lane_of.len() > MAX_IDLE_LANES {
            let delay = lane.delay;
            self.lane_of.remove(&delay);
            if self.last_lookup.is_some_and(|(_, l)| l == lane_id) {
                self.last_lookup = None;
            }
            self.free_lanes.push(lane_id);
        }
    }

    /// Removes every pending registration (executor shutdown). Frames need nothing (their
    /// awaiters find the executor gone); wakers are dropped. Allocates nothing.
    pub(crate) fn clear(&mut self) {
        self.shut_window();
        for lane in &mut self.lanes {
            lane.slots.clear();
            lane.runs = VecDeque::new();
            lane.open = None;
            lane.queued = false;
        }
        self.heap.clear();
        self.targets.clear();
        self.cancelled = 0;
    }
}
