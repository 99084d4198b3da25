//! C++ tasks owned by the executor ("roots"): spawned from C++ (GameEngine::spawn_task) or
//! from Rust (`Executor::spawn_cpp`).
//!
//! A root costs 8 bytes here. The slot stores the address of the task's state word plus the
//! distance from the frame to it (a power of two, as GCC and Clang lay frames out), so both
//! are known; the slot's generation and the "not started yet" flag live in the state word
//! itself (`ROOT | slot | generation`, with the STARTING bit meaning unstarted). A free slot
//! stores its next generation. Spawns queue their start as ranges of consecutive slots, so
//! spawning a million tasks queues a handful of ranges.

use std::collections::{HashMap, VecDeque};
use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::ffi::abi::{COROBRIDGE_KIND_ROOT, COROBRIDGE_PAYLOAD_SHIFT, COROBRIDGE_STATE_STARTING};

/// Identifies a C++ task owned by an executor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RootId {
    slot: u32,
    generation: u32,
}

impl RootId {
    /// The id as one number for C++ (never 0).
    pub fn to_raw(self) -> u64 {
        (u64::from(self.generation) << 32) | u64::from(self.slot)
    }

    pub(crate) fn slot(self) -> u32 {
        self.slot
    }

    /// The inverse of [`RootId::to_raw`].
    pub fn from_raw(raw: u64) -> Self {
        Self {
            slot: raw as u32,
            generation: (raw >> 32) as u32,
        }
    }
}

/// Generations live in the 27 bits of the state word above the slot.
const GENERATION_BITS: u32 = 27;
const GENERATION_MASK: u32 = (1 << GENERATION_BITS) - 1;
const GENERATION_SHIFT: u32 = COROBRIDGE_PAYLOAD_SHIFT + 32;
/// Low 3 bits of an entry: log2(frame-to-state distance) - 4, or FREE.
const TAG_MASK: usize = 7;
const FREE: usize = 7;
/// Entry tag for a frame whose layout is not a power-of-two distance (kept in a side map).
const EXOTIC: usize = 6;

fn root_word(slot: u32, generation: u32, unstarted: bool) -> u64 {
    let mut word = u64::from(COROBRIDGE_KIND_ROOT)
        | (u64::from(slot) << COROBRIDGE_PAYLOAD_SHIFT)
        | (u64::from(generation) << GENERATION_SHIFT);
    if unstarted {
        word |= u64::from(COROBRIDGE_STATE_STARTING);
    }
    word
}

fn generation_of(word: u64) -> u32 {
    (word >> GENERATION_SHIFT) as u32 & GENERATION_MASK
}

pub(crate) struct Roots {
    entries: Vec<usize>,
    free: Vec<u32>,
    exotic: HashMap<u32, NonNull<c_void>>,
    starts: VecDeque<(u32, u32)>,
    live: usize,
}

/// A live root's frame and state word.
#[derive(Clone, Copy)]
pub(crate) struct Root {
    pub(crate) frame: NonNull<c_void>,
    pub(crate) state: NonNull<u64>,
}

impl Root {
    fn word(&self) -> &AtomicU64 {
        // SAFETY: a live root's state word is valid (the executor owns the frame); it is
        // accessed atomically by both languages.
        unsafe { AtomicU64::from_ptr(self.state.as_ptr()) }
    }
}

impl Roots {
    pub(crate) fn new() -> Self {
        Self {
            entries: Vec::new(),
            free: Vec::new(),
            exotic: HashMap::new(),
            starts: VecDeque::new(),
            live: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.live
    }

    /// Roots waiting for their start.
    pub(crate) fn pending_starts(&self) -> usize {
        self.starts.iter().map(|(a, b)| (b - a) as usize).sum()
    }

    fn decode(&self, slot: u32) -> Option<Root> {
        let entry = *self.entries.get(slot as usize)?;
        let tag = entry & TAG_MASK;
        if tag == FREE {
            return None;
        }
        let state = NonNull::new(std::ptr::with_exposed_provenance_mut::<u64>(
            entry & !TAG_MASK,
        ))?;
        let frame = if tag == EXOTIC {
            *self.exotic.get(&slot)?
        } else {
            let distance = 16usize << tag;
            NonNull::new(
                state
                    .as_ptr()
                    .cast::<u8>()
                    .wrapping_sub(distance)
                    .cast::<c_void>(),
            )?
        };
        Some(Root { frame, state })
    }

    /// Takes ownership of an unstarted root and queues its start.
    ///
    /// # Safety
    ///
    /// `frame`/`state` must be a live, unstarted corobridge task frame and its state word.
    pub(crate) unsafe fn insert(&mut self, frame: NonNull<c_void>, state: NonNull<u64>) -> RootId {
        let (slot, generation) = match self.free.pop() {
            Some(slot) => (
                slot,
                (self.entries[slot as usize] >> 3) as u32 & GENERATION_MASK,
            ),
            None => {
                self.entries.push(FREE | (1 << 3));
                ((self.entries.len() - 1) as u32, 1)
            }
        };
        let distance = state.as_ptr().addr().wrapping_sub(frame.as_ptr().addr());
        let tag = if distance.is_power_of_two() && (16..=16 << 5).contains(&distance) {
            distance.trailing_zeros() as usize - 4
        } else {
            self.exotic.insert(slot, frame);
            EXOTIC
        };
        self.entries[slot as usize] = state.as_ptr().expose_provenance() | tag;
        let root = Root { frame, state };
        root.word()
            .store(root_word(slot, generation, true), Ordering::Release);
        match self.starts.back_mut() {
            Some((_, end)) if *end == slot => *end += 1,
            _ => self.starts.push_back((slot, slot + 1)),
        }
        self.live += 1;
        RootId { slot, generation }
    }

    /// The next root waiting for its start, marked started.
    pub(crate) fn next_start(&mut self) -> Option<Root> {
        loop {
            let (start, end) = self.starts.front_mut()?;
            let slot = *start;
            *start += 1;
            if *start == *end {
                self.starts.pop_front();
            }
            if let Some(root) = self.decode(slot) {
                let started = root
                    .word()
                    .fetch_and(!u64::from(COROBRIDGE_STATE_STARTING), Ordering::AcqRel);
                if started & u64::from(COROBRIDGE_STATE_STARTING) != 0 {
                    return Some(root);
                }
            }
        }
    }

    /// The live root `id`, if it is still there.
    pub(crate) fn get(&self, id: RootId) -> Option<Root> {
        let root = self.decode(id.slot)?;
        (generation_of(root.word().load(Ordering::Acquire)) == id.generation).then_some(root)
    }

    /// The id of the root in `slot`, if any.
    pub(crate) fn id_of(&self, slot: u32) -> Option<RootId> {
        let root = self.decode(slot)?;
        Some(RootId {
            slot,
            generation: generation_of(root.word().load(Ordering::Acquire)),
        })
    }

    /// Removes a live root by id.
    pub(crate) fn remove(&mut self, id: RootId) -> Option<Root> {
        self.get(id)?;
        self.remove_slot(id.slot)
    }

    /// Removes whatever root occupies `slot`.
    pub(crate) fn remove_slot(&mut self, slot: u32) -> Option<Root> {
        let root = self.decode(slot)?;
        let generation = generation_of(root.word().load(Ordering::Acquire));
        let next = (generation + 1) & GENERATION_MASK;
        self.entries[slot as usize] = ((next.max(1) as usize) << 3) | FREE;
        self.exotic.remove(&slot);
        self.free.push(slot);
        self.live -= 1;
        Some(root)
    }

    /// Removes some live root (executor shutdown: call until None; allocates nothing).
    pub(crate) fn pop_any(&mut self) -> Option<Root> {
        self.starts.clear();
        while let Some(&entry) = self.entries.last() {
            let slot = (self.entries.len() - 1) as u32;
            if entry & TAG_MASK != FREE {
                return self.remove_slot(slot);
            }
            self.entries.pop();
        }
        None
    }
}
