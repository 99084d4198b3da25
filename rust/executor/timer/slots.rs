//! A lane's entries: a ring of 32 KiB chunks of 8-byte entries addressed by absolute
//! position, holding only the chunks with pending entries (plus one spare).

/// The value of a free (never written, fired or cancelled) entry; no encoded target is 0.
pub(super) const EMPTY: u64 = 0;

use std::ptr::NonNull;

/// Entries per chunk (32 KiB), a power of two.
const CHUNK_BITS: u32 = 12;
/// Entries per chunk.
pub(super) const CHUNK: usize = 1 << CHUNK_BITS;
const CHUNK_MASK: u64 = CHUNK as u64 - 1;

/// Entries past a chunk's end, always EMPTY (no position maps to them): a look ahead of at
/// most this many entries from one inside the chunk reads initialised memory without a
/// bound check.
pub(super) const LOOK_AHEAD: usize = 64;

/// One chunk of entries (and the LOOK_AHEAD entries after it), owned through a raw
/// pointer rather than a `Box`: C++ appends to the tail's chunk through the timer window
/// (`window.rs`), and the run loop takes a due batch's entries at the head (`batch.rs`),
/// both while the queue is not borrowed, and a pointer taken from a `Box` would be
/// invalidated by every later use of the `Box`. Every reference into it lives only inside
/// one method of `Slots`.
struct Chunk(NonNull<u64>);

impl Chunk {
    fn new() -> Self {
        let chunk = vec![EMPTY; CHUNK + LOOK_AHEAD].into_boxed_slice();
        Self(NonNull::from(Box::leak(chunk)).cast())
    }

    /// The entry at `index` (at most CHUNK: one past the end), in place.
    #[inline]
    fn at(&self, index: usize) -> *mut u64 {
        debug_assert!(index <= CHUNK);
        // SAFETY: `index` is at most CHUNK, so the result is inside the allocation or one
        // past its end.
        unsafe { self.0.as_ptr().add(index) }
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        let slice = std::ptr::slice_from_raw_parts_mut(self.0.as_ptr(), CHUNK + LOOK_AHEAD);
        // SAFETY: made by `Chunk::new` from a boxed slice of CHUNK + LOOK_AHEAD entries,
        // freed once.
        drop(unsafe { Box::from_raw(slice) });
    }
}

/// A lane's entries, addressed by absolute position: a ring of 32 KiB chunks (chunk
/// `position >> CHUNK_BITS` sits at that number modulo the ring's length, the entry at
/// `position & CHUNK_MASK` in it). A registration's position is its address for as long as
/// it is pending; push, pop and lookup are shifts, masks and two loads; only chunks holding
/// pending entries are kept (plus one spare), so memory follows the pending timers.
///
/// Every entry a chunk holds outside `head..tail` is EMPTY (chunks start so, and an entry is
/// written only at the tail and emptied when the head passes it), so a look ahead within
/// the head's chunk needs no bound but the chunk's.
#[derive(Default)]
pub(super) struct Slots {
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
    /// Entries from the head to the tail (pending or cancelled in place).
    pub(super) fn len(&self) -> usize {
        (self.tail - self.head) as usize
    }

    /// True if no entry is pending.
    pub(super) fn is_empty(&self) -> bool {
        self.head == self.tail
    }

    /// Position of the first pending entry.
    #[inline]
    pub(super) fn head(&self) -> u64 {
        self.head
    }

    /// One past the position of the last entry.
    #[inline]
    pub(super) fn tail(&self) -> u64 {
        self.tail
    }

    #[inline]
    fn chunk_index(&self, position: u64) -> usize {
        ((position >> CHUNK_BITS) & (self.chunks.len() as u64).wrapping_sub(1)) as usize
    }

    #[inline]
    fn entry(&self, position: u64) -> Option<u64> {
        let chunk = self.chunks.get(self.chunk_index(position))?.as_ref()?;
        // SAFETY: an index below CHUNK in a live chunk; no reference to it exists.
        Some(unsafe { chunk.at((position & CHUNK_MASK) as usize).read() })
    }

    #[inline]
    fn entry_mut(&mut self, position: u64) -> Option<&mut u64> {
        let index = self.chunk_index(position);
        let chunk = self.chunks.get_mut(index)?.as_mut()?;
        // SAFETY: an index below CHUNK in a live chunk, borrowed for as long as `self`.
        Some(unsafe { &mut *chunk.at((position & CHUNK_MASK) as usize) })
    }

    /// The entry at `position`, if it is pending.
    pub(super) fn at(&self, position: u64) -> Option<u64> {
        if position < self.head || position >= self.tail {
            return None;
        }
        self.entry(position)
    }

    /// The entry at `position`, if it is pending.
    pub(super) fn at_mut(&mut self, position: u64) -> Option<&mut u64> {
        if position < self.head || position >= self.tail {
            return None;
        }
        self.entry_mut(position)
    }

    /// Appends `value`; returns its position.
    #[inline]
    pub(super) fn push_back(&mut self, value: u64) -> u64 {
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
            self.chunks[index] = Some(self.spare.take().unwrap_or_else(Chunk::new));
        }
    }

    /// Where the entry at the tail goes and the end of its chunk, for the timer window; a
    /// tail at the start of a chunk not allocated yet gives two equal (null) pointers.
    pub(super) fn tail_room(&mut self) -> (*mut u64, *mut u64) {
        let in_chunk = (self.tail & CHUNK_MASK) as usize;
        let index = self.chunk_index(self.tail);
        match self.chunks.get(index) {
            Some(Some(chunk)) if in_chunk != 0 => (chunk.at(in_chunk), chunk.at(CHUNK)),
            _ => (std::ptr::null_mut(), std::ptr::null_mut()),
        }
    }

    /// Takes in the entries the timer window appended: the tail moves to `tail`, within the
    /// chunk [`Slots::tail_room`] gave the window.
    #[inline]
    pub(super) fn extend_to(&mut self, tail: u64) {
        debug_assert!(tail >= self.tail);
        debug_assert!(tail - self.tail <= CHUNK as u64);
        self.tail = tail;
    }

    /// The head's entry, in place, and the entries from it to the end of its chunk (`None`
    /// if it has no chunk; [`LOOK_AHEAD`] more EMPTY ones follow). The pointer is the
    /// chunk's own (not taken from a reference), so it stays valid across later uses of the
    /// queue until the head leaves the chunk ([`Slots::advance_by`]) or the slots are
    /// cleared.
    #[inline]
    pub(super) fn head_room(&self) -> Option<(NonNull<u64>, usize)> {
        let in_chunk = (self.head & CHUNK_MASK) as usize;
        let chunk = self.chunks.get(self.chunk_index(self.head))?.as_ref()?;
        // SAFETY: `in_chunk` is below CHUNK: inside the allocation, so not null.
        let entry = unsafe { NonNull::new_unchecked(chunk.at(in_chunk)) };
        Some((entry, CHUNK - in_chunk))
    }

    /// Forgets the first `count` pending entries, all in the head's chunk (fired in place
    /// or cancelled: EMPTY now); gives up the chunk if the head leaves it.
    #[inline]
    pub(super) fn advance_by(&mut self, count: u64) {
        let position = self.head;
        debug_assert!(count <= CHUNK as u64 - (position & CHUNK_MASK));
        self.head += count;
        if count != 0 && self.head & CHUNK_MASK == 0 {
            self.release(position);
        }
    }

    /// Gives up the chunk of `position`, which the head just left.
    #[cold]
    fn release(&mut self, position: u64) {
        let index = self.chunk_index(position);
        self.spare = self.chunks[index].take();
    }

    /// Drops every entry and chunk (positions stay unique: the tail does not move back).
    pub(super) fn clear(&mut self) {
        self.head = self.tail;
        self.chunks = Vec::new();
        self.spare = None;
    }

    /// Chunks held (pending ones and the spare).
    #[cfg(test)]
    pub(super) fn chunks_held(&self) -> usize {
        self.chunks.iter().flatten().count() + usize::from(self.spare.is_some())
    }
}
