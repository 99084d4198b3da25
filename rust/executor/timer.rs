//! The executor's timer queue.
//!
//! Timers are grouped into buckets by exact deadline: a bucket is a plain vector appended
//! in registration order, so equal deadlines fire first-in first-out, and the common game
//! pattern (a million coroutines each waiting one frame from the same "now") is a vector
//! push per registration and a linear scan per frame. Buckets are ordered by a `BTreeMap`
//! (few distinct deadlines are pending at a time) and recycled with their capacity.
//! A registration is identified by (bucket, slot, generation); cancelling empties the slot.

use std::collections::BTreeMap;
use std::ffi::c_void;
use std::ptr::{self, NonNull};
use std::task::{RawWaker, RawWakerVTable, Waker};

use crate::ffi::TimerNode;

/// What a timer does when it fires.
pub(crate) enum Target {
    /// A C++ awaiter's node: resume `node.frame` (the node is told it fired).
    Node(NonNull<TimerNode>),
    /// A bare C++ frame (GameEngine::schedule_resume), as handed back by `fire_at`.
    Frame(NonNull<c_void>),
    /// Internal form of `Frame` while queued: an index into the frame records.
    FrameRecord(u32),
    /// A Rust waker (a `Sleep` future).
    Waker(Waker),
}

/// Identifies one registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey {
    pub(crate) bucket: u32,
    pub(crate) slot: u32,
    pub(crate) generation: u32,
}

impl TimerKey {
    /// Packs bucket and slot (the generation travels separately).
    pub(crate) fn position(self) -> u64 {
        (u64::from(self.bucket) << 32) | u64::from(self.slot)
    }

    pub(crate) fn from_position(position: u64, generation: u32) -> Self {
        Self {
            bucket: (position >> 32) as u32,
            slot: position as u32,
            generation,
        }
    }
}

const TAG_NODE: usize = 1;
const TAG_FRAME: usize = 2;

/// A 16-byte slot: empty (`tag` null), a node, a frame, or a waker (`tag` = its vtable).
struct Slot {
    data: *const (),
    tag: *const (),
}

impl Slot {
    fn new(target: Target) -> Self {
        match target {
            Target::Node(node) => Slot {
                data: node.as_ptr().cast(),
                tag: ptr::without_provenance(TAG_NODE),
            },
            Target::Frame(_) => unreachable!("bare frames are queued as FrameRecord"),
            Target::FrameRecord(index) => Slot {
                data: ptr::without_provenance(index as usize),
                tag: ptr::without_provenance(TAG_FRAME),
            },
            Target::Waker(waker) => {
                let waker = std::mem::ManuallyDrop::new(waker);
                Slot {
                    data: waker.data(),
                    tag: (waker.vtable() as *const RawWakerVTable).cast(),
                }
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.tag.is_null()
    }

    fn take(&mut self) -> Option<Target> {
        let (data, tag) = (self.data, self.tag);
        self.tag = ptr::null();
        self.data = ptr::null();
        match tag.addr() {
            0 => None,
            // SAFETY: TAG_NODE slots were built from a NonNull node.
            TAG_NODE => Some(Target::Node(unsafe { NonNull::new_unchecked(data.cast_mut().cast()) })),
            TAG_FRAME => Some(Target::FrameRecord(data.addr() as u32)),
            // SAFETY: any other tag is the vtable of a waker whose ownership the slot took
            // in `new`; rebuilding it hands that ownership back exactly once.
            _ => Some(Target::Waker(unsafe {
                Waker::from_raw(RawWaker::new(data, &*tag.cast::<RawWakerVTable>()))
            })),
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        drop(self.take());
    }
}

struct Bucket {
    deadline: u64,
    generation: u32,
    slots: Vec<Slot>,
    live: usize,
}

/// A bare-frame registration (GameEngine::schedule_resume), addressed by a stable id.
struct FrameRecord {
    frame: Option<NonNull<c_void>>,
    generation: u32,
    key: TimerKey,
}

/// See the module documentation.
pub(crate) struct TimerQueue {
    order: BTreeMap<u64, u32>,
    buckets: Vec<Bucket>,
    free: Vec<u32>,
    last: Option<(u64, u32)>,
    live: usize,
    frames: Vec<FrameRecord>,
    free_frames: Vec<u32>,
}

/// One step through a bucket being fired.
pub(crate) enum Fire {
    End,
    Skip,
    Target(Target),
}

impl TimerQueue {
    pub(crate) fn new() -> Self {
        Self {
            order: BTreeMap::new(),
            buckets: Vec::new(),
            free: Vec::new(),
            last: None,
            live: 0,
            frames: Vec::new(),
            free_frames: Vec::new(),
        }
    }

    /// Registers a bare frame; the returned id (never 0) cancels it until it fires.
    pub(crate) fn insert_frame(&mut self, deadline: u64, frame: NonNull<c_void>) -> u64 {
        let index = match self.free_frames.pop() {
            Some(index) => index,
            None => {
                self.frames.push(FrameRecord {
                    frame: None,
                    generation: 1,
                    key: TimerKey {
                        bucket: 0,
                        slot: 0,
                        generation: 0,
                    },
                });
                (self.frames.len() - 1) as u32
            }
        };
        let key = self.insert(deadline, Target::FrameRecord(index));
        let record = &mut self.frames[index as usize];
        record.frame = Some(frame);
        record.key = key;
        (u64::from(record.generation) << 32) | u64::from(index)
    }

    /// Cancels a bare-frame registration; false if it already fired or was cancelled.
    pub(crate) fn cancel_frame(&mut self, id: u64) -> bool {
        let (index, generation) = (id as u32, (id >> 32) as u32);
        let Some(record) = self.frames.get(index as usize) else {
            return false;
        };
        if record.generation != generation || record.frame.is_none() {
            return false;
        }
        let key = record.key;
        drop(self.cancel(key));
        self.release_frame(index);
        true
    }

    /// Frees a frame record and returns its frame.
    fn release_frame(&mut self, index: u32) -> Option<NonNull<c_void>> {
        let record = &mut self.frames[index as usize];
        let frame = record.frame.take()?;
        record.generation = record.generation.wrapping_add(1).max(1);
        self.free_frames.push(index);
        Some(frame)
    }

    /// Pending registrations.
    pub(crate) fn len(&self) -> usize {
        self.live
    }

    /// The earliest pending deadline.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        self.order.first_key_value().map(|(deadline, _)| *deadline)
    }

    /// Registers `target` to fire at `deadline`.
    pub(crate) fn insert(&mut self, deadline: u64, target: Target) -> TimerKey {
        let bucket = match self.last {
            Some((d, b)) if d == deadline => b,
            _ => {
                let b = match self.order.get(&deadline) {
                    Some(&b) => b,
                    None => {
                        let b = self.new_bucket(deadline);
                        self.order.insert(deadline, b);
                        b
                    }
                };
                self.last = Some((deadline, b));
                b
            }
        };
        let entry = &mut self.buckets[bucket as usize];
        let slot = entry.slots.len() as u32;
        entry.slots.push(Slot::new(target));
        entry.live += 1;
        self.live += 1;
        TimerKey {
            bucket,
            slot,
            generation: entry.generation,
        }
    }

    fn new_bucket(&mut self, deadline: u64) -> u32 {
        match self.free.pop() {
            Some(b) => {
                self.buckets[b as usize].deadline = deadline;
                b
            }
            None => {
                self.buckets.push(Bucket {
                    deadline,
                    generation: 1,
                    slots: Vec::new(),
                    live: 0,
                });
                (self.buckets.len() - 1) as u32
            }
        }
    }

    /// Removes a pending registration and returns its target (None if it already fired
    /// or was cancelled).
    pub(crate) fn cancel(&mut self, key: TimerKey) -> Option<Target> {
        let entry = self.buckets.get_mut(key.bucket as usize)?;
        if entry.generation != key.generation {
            return None;
        }
        let target = entry.slots.get_mut(key.slot as usize)?.take()?;
        entry.live -= 1;
        self.live -= 1;
        self.resolve(target)
    }

    /// Turns a queued FrameRecord into the Frame it stands for (freeing the record).
    fn resolve(&mut self, target: Target) -> Option<Target> {
        match target {
            Target::FrameRecord(index) => self.release_frame(index).map(Target::Frame),
            other => Some(other),
        }
    }

    /// True if `key` is still pending. A pending waker registration is replaced by `waker`
    /// unless both wake the same task.
    pub(crate) fn refresh_waker(&mut self, key: TimerKey, waker: &Waker) -> bool {
        let Some(entry) = self.buckets.get_mut(key.bucket as usize) else {
            return false;
        };
        if entry.generation != key.generation {
            return false;
        }
        let Some(slot) = entry.slots.get_mut(key.slot as usize) else {
            return false;
        };
        match slot.take() {
            None => false,
            Some(Target::Waker(old)) if !old.will_wake(waker) => {
                *slot = Slot::new(Target::Waker(waker.clone()));
                true
            }
            Some(target) => {
                *slot = Slot::new(target);
                true
            }
        }
    }

    /// Detaches the earliest bucket if its deadline is due; later registrations with the
    /// same deadline go to a new bucket (after this one, preserving FIFO order).
    pub(crate) fn pop_due(&mut self, now: u64) -> Option<u32> {
        let (&deadline, &bucket) = self.order.first_key_value()?;
        if deadline > now {
            return None;
        }
        self.order.remove(&deadline);
        if self.last.is_some_and(|(_, b)| b == bucket) {
            self.last = None;
        }
        Some(bucket)
    }

    /// Takes the target at `index` of a detached bucket.
    pub(crate) fn fire_at(&mut self, bucket: u32, index: usize) -> Fire {
        let entry = &mut self.buckets[bucket as usize];
        match entry.slots.get_mut(index) {
            None => Fire::End,
            Some(slot) if slot.is_empty() => Fire::Skip,
            Some(slot) => {
                let target = slot.take();
                entry.live -= 1;
                self.live -= 1;
                match target.and_then(|t| self.resolve(t)) {
                    Some(target) => Fire::Target(target),
                    None => Fire::Skip,
                }
            }
        }
    }

    /// Returns a fired bucket to the free list (its registrations become stale).
    pub(crate) fn recycle(&mut self, bucket: u32) {
        let entry = &mut self.buckets[bucket as usize];
        debug_assert_eq!(entry.live, 0, "recycling a bucket with pending timers");
        entry.slots.clear();
        entry.generation = entry.generation.wrapping_add(1).max(1);
        self.free.push(bucket);
    }

    /// Removes every pending registration (executor shutdown).
    pub(crate) fn drain(&mut self) -> Vec<Target> {
        let mut taken = Vec::with_capacity(self.live);
        for entry in &mut self.buckets {
            taken.extend(entry.slots.iter_mut().filter_map(Slot::take));
            entry.slots.clear();
            entry.live = 0;
        }
        self.order.clear();
        self.last = None;
        self.live = 0;
        taken.into_iter().filter_map(|t| self.resolve(t)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: usize) -> NonNull<c_void> {
        NonNull::new(ptr::without_provenance_mut(n * 8)).expect("non-null")
    }

    fn fire_all(q: &mut TimerQueue, now: u64) -> Vec<usize> {
        let mut out = Vec::new();
        while let Some(b) = q.pop_due(now) {
            let mut i = 0;
            loop {
                match q.fire_at(b, i) {
                    Fire::End => break,
                    Fire::Skip => {}
                    Fire::Target(Target::Frame(f)) => out.push(f.as_ptr().addr() / 8),
                    Fire::Target(_) => unreachable!(),
                }
                i += 1;
            }
            q.recycle(b);
        }
        out
    }

    #[test]
    fn equal_deadlines_fire_in_registration_order() {
        let mut q = TimerQueue::new();
        for n in 1..=5 {
            q.insert_frame(100, frame(n));
        }
        q.insert_frame(50, frame(9));
        assert_eq!(q.len(), 6);
        assert_eq!(fire_all(&mut q, 99), vec![9]);
        assert_eq!(fire_all(&mut q, 100), vec![1, 2, 3, 4, 5]);
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn cancelled_timers_do_not_fire_and_stale_keys_are_ignored() {
        let mut q = TimerQueue::new();
        let a = q.insert_frame(10, frame(1));
        let b = q.insert_frame(10, frame(2));
        assert!(q.cancel_frame(a));
        assert!(!q.cancel_frame(a));
        assert_eq!(q.len(), 1);
        assert_eq!(fire_all(&mut q, 10), vec![2]);
        assert!(!q.cancel_frame(b), "a fired id is stale");
        // Records and buckets are reused with new generations: old ids touch nothing.
        let c = q.insert_frame(20, frame(3));
        assert_ne!(c, b);
        assert!(!q.cancel_frame(b));
        assert_eq!(fire_all(&mut q, 20), vec![3]);
    }
}
