//! C++ tasks owned by the executor ("roots"): spawned from C++ (GameEngine::spawn_task) or
//! from Rust (`Executor::spawn_cpp`). A slab indexed by the slot stored in the task's header.

use std::ptr::NonNull;

use crate::ffi::TaskHeader;

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

struct Entry {
    header: Option<NonNull<TaskHeader>>,
    generation: u32,
}

pub(crate) struct Roots {
    entries: Vec<Entry>,
    free: Vec<u32>,
    live: usize,
}

impl Roots {
    pub(crate) fn new() -> Self {
        Self {
            entries: Vec::new(),
            free: Vec::new(),
            live: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.live
    }

    pub(crate) fn insert(&mut self, header: NonNull<TaskHeader>) -> RootId {
        self.live += 1;
        match self.free.pop() {
            Some(slot) => {
                let entry = &mut self.entries[slot as usize];
                entry.header = Some(header);
                RootId {
                    slot,
                    generation: entry.generation,
                }
            }
            None => {
                self.entries.push(Entry {
                    header: Some(header),
                    generation: 1,
                });
                RootId {
                    slot: (self.entries.len() - 1) as u32,
                    generation: 1,
                }
            }
        }
    }

    /// The header of a live root.
    pub(crate) fn get(&self, id: RootId) -> Option<NonNull<TaskHeader>> {
        let entry = self.entries.get(id.slot as usize)?;
        if entry.generation == id.generation { entry.header } else { None }
    }

    /// Removes a live root by id.
    pub(crate) fn remove(&mut self, id: RootId) -> Option<NonNull<TaskHeader>> {
        self.get(id)?;
        self.remove_slot(id.slot).map(|(_, header)| header)
    }

    /// Removes whatever root occupies `slot`.
    pub(crate) fn remove_slot(&mut self, slot: u32) -> Option<(RootId, NonNull<TaskHeader>)> {
        let entry = self.entries.get_mut(slot as usize)?;
        let header = entry.header.take()?;
        let id = RootId {
            slot,
            generation: entry.generation,
        };
        entry.generation = entry.generation.wrapping_add(1).max(1);
        self.free.push(slot);
        self.live -= 1;
        Some((id, header))
    }

    /// Removes every live root (executor shutdown).
    pub(crate) fn drain(&mut self) -> Vec<NonNull<TaskHeader>> {
        let out: Vec<_> = (0..self.entries.len() as u32)
            .filter_map(|slot| self.remove_slot(slot).map(|(_, h)| h))
            .collect();
        out
    }
}
