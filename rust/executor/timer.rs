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

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::ffi::c_void;
use std::ptr::NonNull;
use std::task::Waker;

/// What a timer does when it fires.
pub(crate) enum Target {
    /// Resume a C++ coroutine frame (suspended in an awaiter that cancels the timer before
    /// the frame can go away).
    Frame(NonNull<c_void>),
    /// Resume a bare coroutine handle (`GameEngine::schedule_resume`): nothing in the frame
    /// knows of the timer, so the executor indexes it by frame (`raw_timers`) and the frame
    /// pool cancels it when the frame is freed. Never prefetched: such a frame may be gone.
    RawFrame(NonNull<c_void>),
    /// Wake a Rust task (a `Sleep` future).
    Waker(Waker),
}

/// Identifies a registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey {
    pub(crate) lane: u32,
    pub(crate) position: u64,
}

/// One step through a run being fired.
pub(crate) enum Fire {
    /// The run is exhausted.
    End,
    /// A cancelled registration.
    Skip,
    /// Fire this.
    Target(Target),
}

const TAG_MASK: u64 = 3;
const TAG_FRAME: u64 = 0;
const TAG_WAKER: u64 = 1;
const TAG_RAW_FRAME: u64 = 2;
const EMPTY: u64 = 0;

/// Lanes are kept for reuse up to this many; beyond it, idle lanes are recycled.
const MAX_IDLE_LANES: usize = 64;

/// The registrations of one lane made at one `now` (hence with one deadline). Runs of
/// different lanes with equal deadlines were registered at different times (equal
/// deadline, different delay), so one run's entries all precede or all follow the
/// other's: ordering runs by their first registration orders every entry.
struct Run {
    deadline: u64,
    seq: u64,
    end: u64,
}

/// Entries per chunk (32 KiB), a power of two.
const CHUNK_BITS: u32 = 12;
const CHUNK: usize = 1 << CHUNK_BITS;
const CHUNK_MASK: u64 = CHUNK as u64 - 1;

type Chunk = Box<[u64; CHUNK]>;

fn new_chunk() -> Chunk {
    let chunk = vec![EMPTY; CHUNK].into_boxed_slice();
    // A boxed slice of exactly CHUNK entries converts to a boxed array.
    chunk
        .try_into()
        .unwrap_or_else(|_| unreachable!("a chunk has CHUNK entries"))
}

/// A lane's entries, addressed by absolute position: a ring of 32 KiB chunks (chunk
/// `position >> CHUNK_BITS` sits at that number modulo the ring's length, the entry at
/// `position & CHUNK_MASK` in it). A registration's position is its address for as long as
/// it is pending; push, pop and lookup are shifts, masks and two loads; only chunks holding
/// pending entries are kept (plus one spare), so memory follows the pending timers.
#[derive(Default)]
struct Slots {
    /// Power-of-two length, or empty.
    chunks: Vec<Option<Chunk>>,
    /// The last chunk given up, kept for the next one needed.
    spare: Option<Chunk>,
    /// Position of the first pending entry (positions only grow: never reused).
    head: u64,
    /// One past the last.
    tail: u64,
}

impl Slots {
    fn len(&self) -> usize {
        (self.tail - self.head) as usize
    }

    fn is_empty(&self) -> bool {
        self.head == self.tail
    }

    #[inline]
    fn chunk_index(&self, position: u64) -> usize {
        ((position >> CHUNK_BITS) & (self.chunks.len() as u64).wrapping_sub(1)) as usize
    }

    #[inline]
    fn entry(&self, position: u64) -> Option<u64> {
        let chunk = self.chunks.get(self.chunk_index(position))?.as_ref()?;
        Some(chunk[(position & CHUNK_MASK) as usize])
    }

    #[inline]
    fn entry_mut(&mut self, position: u64) -> Option<&mut u64> {
        let index = self.chunk_index(position);
        let chunk = self.chunks.get_mut(index)?.as_mut()?;
        Some(&mut chunk[(position & CHUNK_MASK) as usize])
    }

    /// The entry at `position`, if it is pending.
    fn at_mut(&mut self, position: u64) -> Option<&mut u64> {
        if position < self.head || position >= self.tail {
            return None;
        }
        self.entry_mut(position)
    }

    /// The `offset`-th entry from the front.
    #[inline]
    fn get(&self, offset: usize) -> Option<u64> {
        if offset >= self.len() {
            return None;
        }
        self.entry(self.head + offset as u64)
    }

    /// Appends `value`; returns its position.
    #[inline]
    fn push_back(&mut self, value: u64) -> u64 {
        let position = self.tail;
        if position & CHUNK_MASK == 0 || self.chunks.is_empty() {
            self.add_chunk();
        }
        if let Some(slot) = self.entry_mut(position) {
            *slot = value;
        }
        self.tail += 1;
        position
    }

    /// Makes sure the chunk of `tail` is there (growing the ring when it is full).
    #[cold]
    fn add_chunk(&mut self) {
        let first = self.head >> CHUNK_BITS;
        let last = self.tail >> CHUNK_BITS;
        if self.chunks.len() as u64 <= last - first {
            let size = (self.chunks.len() * 2).max(4);
            let mut chunks: Vec<Option<Chunk>> = (0..size).map(|_| None).collect();
            for number in first..=last {
                let old = self.chunk_index(number << CHUNK_BITS);
                if let Some(chunk) = self.chunks.get_mut(old).and_then(Option::take) {
                    chunks[(number & (size as u64 - 1)) as usize] = Some(chunk);
                }
            }
            self.chunks = chunks;
        }
        let index = self.chunk_index(self.tail);
        if self.chunks[index].is_none() {
            self.chunks[index] = Some(self.spare.take().unwrap_or_else(new_chunk));
        }
    }

    #[inline]
    fn pop_front(&mut self) -> Option<u64> {
        if self.is_empty() {
            return None;
        }
        let position = self.head;
        let value = self
            .entry_mut(position)
            .map_or(EMPTY, |slot| std::mem::replace(slot, EMPTY));
        self.head += 1;
        if self.head & CHUNK_MASK == 0 {
            // Past the end of its chunk: give the chunk up.
            let index = self.chunk_index(position);
            self.spare = self.chunks[index].take();
        }
        Some(value)
    }

    /// Drops every entry and chunk (positions stay unique: the tail does not move back).
    fn clear(&mut self) {
        self.head = self.tail;
        self.chunks = Vec::new();
        self.spare = None;
    }

    /// Chunks held (pending ones and the spare).
    #[cfg(test)]
    fn chunks_held(&self) -> usize {
        self.chunks.iter().flatten().count() + usize::from(self.spare.is_some())
    }
}

struct Lane {
    /// The delay this lane serves (lanes are recycled when empty; positions only grow, so
    /// they stay unique).
    delay: u64,
    slots: Slots,
    runs: VecDeque<Run>,
    /// True while the lane's first run has an entry in the heap.
    queued: bool,
}

/// See the module documentation.
pub(crate) struct TimerQueue {
    lanes: Vec<Lane>,
    /// Prefetch hints: a coroutine function (the resume-function word at the start of its
    /// frames) → the offset in its frames of a pointer to the data it touches on resuming.
    hints: HashMap<usize, usize>,
    last_hint: (usize, usize),
    free_lanes: Vec<u32>,
    lane_of: HashMap<u64, u32>,
    last_lookup: Option<(u64, u32)>,
    heap: BinaryHeap<Reverse<(u64, u64, u32)>>,
    seq: u64,
    /// Pending timers.
    timers: usize,
    wakers: Vec<Option<Waker>>,
    free_wakers: Vec<u32>,
}

impl TimerQueue {
    pub(crate) fn new() -> Self {
        Self {
            lanes: Vec::new(),
            hints: HashMap::new(),
            last_hint: (0, 0),
            free_lanes: Vec::new(),
            lane_of: HashMap::new(),
            last_lookup: None,
            heap: BinaryHeap::new(),
            seq: 0,
            timers: 0,
            wakers: Vec::new(),
            free_wakers: Vec::new(),
        }
    }

    /// Pending timers.
    pub(crate) fn len(&self) -> usize {
        self.timers
    }

    /// The earliest pending deadline.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        self.heap.peek().map(|Reverse((deadline, _, _))| *deadline)
    }

    fn lane_for(&mut self, delay: u64) -> u32 {
        if let Some((d, lane)) = self.last_lookup
            && d == delay
        {
            return lane;
        }
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

    fn encode(&mut self, target: Target) -> u64 {
        match target {
            Target::Frame(frame) | Target::RawFrame(frame) => {
                let raw = frame.as_ptr().expose_provenance() as u64;
                debug_assert_eq!(
                    raw & TAG_MASK,
                    0,
                    "coroutine frames are at least 4-byte aligned"
                );
                if matches!(target, Target::RawFrame(_)) {
                    raw | TAG_RAW_FRAME
                } else {
                    raw | TAG_FRAME
                }
            }
            Target::Waker(waker) => {
                let index = match self.free_wakers.pop() {
                    Some(index) => {
                        self.wakers[index as usize] = Some(waker);
                        index
                    }
                    None => {
                        self.wakers.push(Some(waker));
                        (self.wakers.len() - 1) as u32
                    }
                };
                (u64::from(index) << 2) | TAG_WAKER
            }
        }
    }

    fn decode(&mut self, raw: u64) -> Target {
        match raw & TAG_MASK {
            TAG_WAKER => {
                let index = (raw >> 2) as u32;
                let waker = self.wakers[index as usize].take();
                self.free_wakers.push(index);
                self.timers -= 1;
                Target::Waker(waker.expect("a pending waker slot holds a waker"))
            }
            tag => {
                self.timers -= 1;
                let address = (raw & !TAG_MASK) as usize;
                let frame = std::ptr::with_exposed_provenance_mut::<c_void>(address);
                // SAFETY: frame entries are encoded from NonNull pointers.
                let frame = unsafe { NonNull::new_unchecked(frame) };
                if tag == TAG_RAW_FRAME {
                    Target::RawFrame(frame)
                } else {
                    Target::Frame(frame)
                }
            }
        }
    }

    /// Registers `target` to fire at `now + delay`.
    pub(crate) fn insert(&mut self, now: u64, delay: u64, target: Target) -> TimerKey {
        self.timers += 1;
        let raw = self.encode(target);
        let lane_id = self.lane_for(delay);
        let deadline = now.saturating_add(delay);
        let seq = self.seq;
        self.seq += 1;
        let lane = &mut self.lanes[lane_id as usize];
        let position = lane.slots.push_back(raw);
        match lane.runs.back_mut() {
            Some(run) if run.deadline == deadline && run.end == position => run.end += 1,
            _ => {
                lane.runs.push_back(Run {
                    deadline,
                    seq,
                    end: position + 1,
                });
                if !lane.queued {
                    // The heap holds each lane's first run; while a run of this lane is
                    // being fired, that is the run after it, not necessarily this one.
                    let head = lane.runs.front().expect("a run was just pushed");
                    lane.queued = true;
                    self.heap.push(Reverse((head.deadline, head.seq, lane_id)));
                }
            }
        }
        TimerKey {
            lane: lane_id,
            position,
        }
    }

    /// Registers `target` to fire at an absolute `deadline` (its lane is `deadline - now`).
    pub(crate) fn insert_at(&mut self, now: u64, deadline: u64, target: Target) -> TimerKey {
        self.insert(now, deadline.saturating_sub(now), target)
    }

    fn slot_mut(&mut self, key: TimerKey) -> Option<&mut u64> {
        self.lanes
            .get_mut(key.lane as usize)?
            .slots
            .at_mut(key.position)
    }

    /// Records a prefetch hint for the coroutine function whose frames start with `key`.
    pub(crate) fn add_hint(&mut self, key: usize, offset: usize) {
        if self.last_hint != (key, offset) {
            self.hints.insert(key, offset);
            self.last_hint = (key, offset);
        }
    }

    fn hint_for(&mut self, key: usize) -> Option<usize> {
        if self.last_hint.0 == key {
            return Some(self.last_hint.1);
        }
        let offset = *self.hints.get(&key)?;
        self.last_hint = (key, offset);
        Some(offset)
    }

    /// Removes a pending registration; None if it already fired or was cancelled.
    pub(crate) fn cancel(&mut self, key: TimerKey) -> Option<Target> {
        let slot = self.slot_mut(key)?;
        let raw = std::mem::replace(slot, EMPTY);
        if raw == EMPTY {
            return None;
        }
        Some(self.decode(raw))
    }

    /// True if `key` is pending (neither fired nor cancelled).
    pub(crate) fn is_pending(&self, key: TimerKey) -> bool {
        self.lanes.get(key.lane as usize).is_some_and(|lane| {
            key.position >= lane.slots.head
                && key.position < lane.slots.tail
                && lane
                    .slots
                    .entry(key.position)
                    .is_some_and(|raw| raw != EMPTY)
        })
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
        if raw & TAG_MASK == TAG_WAKER {
            let entry = &mut self.wakers[(raw >> 2) as usize];
            if !entry.as_ref().is_some_and(|w| w.will_wake(waker)) {
                *entry = Some(waker.clone());
            }
        }
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
        let lane = &mut self.lanes[lane_id as usize];
        lane.queued = false;
        let run = lane.runs.pop_front().expect("a queued lane has a run");
        debug_assert_eq!(run.deadline, deadline);
        Some((lane_id, run.end))
    }

    /// Takes the next registration of a detached run.
    pub(crate) fn fire_next(&mut self, lane_id: u32, end: u64) -> Fire {
        let lane = &mut self.lanes[lane_id as usize];
        if lane.slots.head >= end {
            return Fire::End;
        }
        let raw = lane.slots.pop_front().unwrap_or(EMPTY);
        if raw == EMPTY {
            return Fire::Skip;
        }
        Fire::Target(self.decode(raw))
    }

    /// Prefetching for the entry being fired: the frame `far` entries ahead, and, for the
    /// frame `near` entries ahead (fetched by an earlier call), the data its coroutine's
    /// prefetch hint points at.
    pub(crate) fn prefetch(&mut self, lane_id: u32, near: usize, far: usize) {
        let lane = &self.lanes[lane_id as usize];
        if let Some(raw) = lane
            .slots
            .get(far)
            .filter(|&r| r != EMPTY && r & TAG_MASK == TAG_FRAME)
        {
            prefetch_lines(raw as usize, 3);
        }
        let Some(raw) = lane
            .slots
            .get(near)
            .filter(|&r| r != EMPTY && r & TAG_MASK == TAG_FRAME)
        else {
            return;
        };
        if self.hints.is_empty() {
            return;
        }
        let frame = std::ptr::with_exposed_provenance::<usize>(raw as usize);
        // SAFETY: a pending timer's frame is a live, suspended coroutine frame (its awaiter
        // unregisters the timer before the frame can go away); its first word is readable.
        let key = unsafe { frame.read() };
        if let Some(offset) = self.hint_for(key) {
            // SAFETY: the offset was measured inside a frame of the same coroutine function
            // (same resume function, hence same frame layout), so it is within this frame.
            let target = unsafe { frame.byte_add(offset).read() };
            prefetch_lines(target, 1);
        }
    }

    /// Re-queues a lane after one of its runs was fired; releases idle ring memory.
    pub(crate) fn finish_run(&mut self, lane_id: u32) {
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
        for lane in &mut self.lanes {
            lane.slots.clear();
            lane.runs = VecDeque::new();
            lane.queued = false;
        }
        self.heap.clear();
        self.wakers.clear();
        self.free_wakers.clear();
        self.timers = 0;
    }
}

/// Prefetches `lines` cache lines from `address` (a coroutine frame: its resume function,
/// promise and hottest locals; or the data a prefetch hint points at).
#[inline]
fn prefetch_lines(address: usize, lines: usize) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: usize) -> Target {
        Target::Frame(NonNull::new(std::ptr::without_provenance_mut(n * 16)).expect("non-null"))
    }

    fn fire_all(q: &mut TimerQueue, now: u64) -> Vec<usize> {
        let mut out = Vec::new();
        while let Some((lane, end)) = q.pop_due(now) {
            loop {
                match q.fire_next(lane, end) {
                    Fire::End => break,
                    Fire::Skip => {}
                    Fire::Target(Target::Frame(f)) => out.push(f.as_ptr().addr() / 16),
                    Fire::Target(_) => unreachable!(),
                }
            }
            q.finish_run(lane);
        }
        out
    }

    #[test]
    fn equal_deadlines_fire_in_registration_order_across_lanes() {
        let mut q = TimerQueue::new();
        q.insert(0, 100, frame(1)); // lane 100
        q.insert(0, 30, frame(9)); // another lane, earlier deadline
        q.insert(0, 100, frame(3)); // lane 100 again: same run as 1
        q.insert(50, 50, frame(2)); // lane 50, same deadline 100, registered later
        q.insert(60, 40, frame(4));
        assert_eq!(q.len(), 5);
        assert_eq!(fire_all(&mut q, 99), vec![9]);
        assert_eq!(fire_all(&mut q, 100), vec![1, 3, 2, 4]);
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn cancelled_timers_do_not_fire_and_stale_keys_touch_nothing() {
        let mut q = TimerQueue::new();
        let a = q.insert(0, 10, frame(1));
        let b = q.insert(0, 10, frame(2));
        assert!(q.cancel(a).is_some());
        assert!(q.cancel(a).is_none());
        assert_eq!(q.len(), 1);
        assert_eq!(fire_all(&mut q, 10), vec![2]);
        assert!(q.cancel(b).is_none(), "a fired key is stale");
        let c = q.insert(10, 10, frame(3));
        assert_ne!(c, b, "positions are never reused");
        assert!(q.cancel(b).is_none());
        assert_eq!(fire_all(&mut q, 20), vec![3]);
    }

    #[test]
    fn raw_frames_keep_their_kind_and_pending_state() {
        let mut q = TimerQueue::new();
        let address =
            NonNull::new(std::ptr::without_provenance_mut::<c_void>(48)).expect("non-null");
        let raw = q.insert(0, 10, Target::RawFrame(address));
        let plain = q.insert(0, 10, frame(5));
        assert!(q.is_pending(raw) && q.is_pending(plain));
        let (lane, end) = q.pop_due(10).expect("due");
        match q.fire_next(lane, end) {
            Fire::Target(Target::RawFrame(f)) => assert_eq!(f, address),
            _ => panic!("expected the raw frame"),
        }
        assert!(!q.is_pending(raw), "a fired key is not pending");
        assert!(q.is_pending(plain));
        assert!(matches!(q.cancel(plain), Some(Target::Frame(_))));
        assert!(!q.is_pending(plain), "a cancelled key is not pending");
        assert!(!q.is_pending(TimerKey {
            lane: 9,
            position: 0
        }));
    }

    #[test]
    fn lanes_span_many_chunks_and_release_them() {
        let mut q = TimerQueue::new();
        let n = 3 * CHUNK + 17;
        let keys: Vec<TimerKey> = (1..=n).map(|i| q.insert(0, 16, frame(i))).collect();
        for key in keys.iter().step_by(1000) {
            assert!(q.cancel(*key).is_some());
        }
        let expected: Vec<usize> = (1..=n).filter(|i| (i - 1) % 1000 != 0).collect();
        assert_eq!(fire_all(&mut q, 16), expected);
        assert_eq!(q.len(), 0);
        assert!(
            q.lanes.iter().all(|lane| lane.slots.chunks_held() <= 2),
            "a drained lane keeps at most its current chunk and a spare"
        );
        // The lane keeps working (and growing again) afterwards.
        for i in 1..=CHUNK + 1 {
            q.insert(16, 16, frame(i));
        }
        assert_eq!(fire_all(&mut q, 32).len(), CHUNK + 1);
    }

    #[test]
    fn a_run_fired_while_the_same_lane_grows_keeps_order() {
        let mut q = TimerQueue::new();
        for n in 1..=3 {
            q.insert(0, 16, frame(n));
        }
        let (lane, end) = q.pop_due(16).expect("due");
        // While firing, the resumed coroutines register again (next frame).
        let mut fired = Vec::new();
        loop {
            match q.fire_next(lane, end) {
                Fire::Target(Target::Frame(f)) => {
                    let n = f.as_ptr().addr() / 16;
                    fired.push(n);
                    q.insert(16, 16, frame(n + 10));
                }
                Fire::End => break,
                _ => {}
            }
        }
        q.finish_run(lane);
        assert_eq!(fired, vec![1, 2, 3]);
        assert_eq!(fire_all(&mut q, 32), vec![11, 12, 13]);
    }
}
#[cfg(test)]
mod model_tests {
    use super::*;

    /// Compares the lanes against a reference model (a sorted map keyed by deadline and
    /// registration order) under a pseudo-random mix of delays, firings and cancellations.
    #[test]
    fn matches_a_sorted_reference_model() {
        let mut q = TimerQueue::new();
        let mut model = std::collections::BTreeMap::new();
        let mut keys = Vec::new();
        let mut seq = 0u64;
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut now = 0u64;
        for round in 0..2000 {
            for _ in 0..(next() % 8) {
                let delay = [16, 16, 16, 2000, 48, 0][(next() % 6) as usize];
                let id = (seq as usize + 1) * 16;
                let key = q.insert(
                    now,
                    delay,
                    Target::Frame(NonNull::new(std::ptr::without_provenance_mut(id)).unwrap()),
                );
                model.insert((now + delay, seq), id);
                keys.push((key, (now + delay, seq)));
                seq += 1;
            }
            if round % 7 == 0 && !keys.is_empty() {
                let (key, model_key) = keys.swap_remove((next() as usize) % keys.len());
                assert_eq!(q.cancel(key).is_some(), model.remove(&model_key).is_some());
            }
            now += 1 + next() % 20;
            // Fire what is due; each firing may register again (as a resumed coroutine does),
            // and the model fires in (deadline, registration) order, including those.
            let mut fired = Vec::new();
            let mut expected = Vec::new();
            while let Some((lane, end)) = q.pop_due(now) {
                loop {
                    match q.fire_next(lane, end) {
                        Fire::End => break,
                        Fire::Skip => {}
                        Fire::Target(Target::Frame(f)) => {
                            let id = f.as_ptr().addr();
                            fired.push(id);
                            let (&model_key, &model_id) =
                                model.iter().next().expect("model has it");
                            assert!(model_key.0 <= now);
                            model.remove(&model_key);
                            expected.push(model_id);
                            if next() % 3 == 0 {
                                let delay = [16, 2000, 0][(next() % 3) as usize];
                                let id = (seq as usize + 1) * 16;
                                let key = q.insert(
                                    now,
                                    delay,
                                    Target::Frame(
                                        NonNull::new(std::ptr::without_provenance_mut(id)).unwrap(),
                                    ),
                                );
                                model.insert((now + delay, seq), id);
                                keys.push((key, (now + delay, seq)));
                                seq += 1;
                            }
                        }
                        Fire::Target(_) => unreachable!(),
                    }
                }
                q.finish_run(lane);
            }
            assert!(
                model.range(..(now + 1, 0)).next().is_none(),
                "round {round}: due timers left"
            );
            assert_eq!(fired, expected, "round {round} at {now}");
            assert_eq!(q.len(), model.len());
        }
    }
}
