//! Many guarded fiber stacks in one memory mapping.
//!
//! A guard page made with `mprotect` splits the mapping it sits in: a stack of its own
//! costs two mappings (the stack, its guard), and Linux bounds a process's mappings by
//! `vm.max_map_count` (65,530 by default), so such stacks stop at about 32,700. Since
//! Linux 6.13, `madvise(MADV_GUARD_INSTALL)` makes guard pages *inside* a mapping: a page
//! that faults (SIGSEGV, like `PROT_NONE`) without becoming a mapping of its own. A slab is
//! one anonymous mapping cut into equal slots, each a guard page at its bottom and the
//! stack above it, so a few hundred stacks cost one mapping and 100,000 or 1,000,000
//! fibers fit under the default limit, each still stopped by its own guard page.
//!
//! [`supported`] tells (once per process, by trying it) whether the kernel has guard
//! regions; where it has not, pools fall back to a mapping per stack.

use std::io;
use std::ptr::{self, NonNull};
use std::rc::Rc;
use std::sync::atomic::{AtomicU8, Ordering};

use corosensei::stack::valgrind::ValgrindStackRegistration;
use corosensei::stack::{Stack, StackPointer};

/// `MADV_GUARD_INSTALL` (Linux 6.13, `include/uapi/asm-generic/mman-common.h`), not yet in
/// the libc crate.
#[cfg(target_os = "linux")]
const MADV_GUARD_INSTALL: libc::c_int = 102;

/// Bytes of address space a slab aims at: a few hundred default stacks, so that even
/// millions of fibers take a few thousand mappings. Only pages fibers touch are resident.
const SLAB_BYTES: usize = 64 << 20;

/// The most slots in one slab.
const MAX_SLOTS: usize = 1024;

/// One mapping holding `slots` stacks of `slot_len` bytes each (guard page included).
struct Slab {
    start: NonNull<u8>,
    len: usize,
}

impl Drop for Slab {
    fn drop(&mut self) {
        // SAFETY: the slab's own mapping; every slot (which holds an `Rc` of the slab) is
        // gone, so no stack in it is in use.
        unsafe { libc::munmap(self.start.as_ptr().cast(), self.len) };
    }
}

/// One stack of a slab: a guard page at `start`, the usable stack above it up to `end`.
pub(crate) struct SlabStack {
    start: usize,
    end: usize,
    /// Registered as a stack with valgrind (a no-op elsewhere) while the slot exists.
    _valgrind: ValgrindStackRegistration,
    _slab: Rc<Slab>,
}

impl SlabStack {
    /// Gives the stack's pages back to the system (the next fiber on it starts from zeroed
    /// pages); the guard page stays.
    pub(crate) fn release_pages(&self) {
        let page = page_size();
        // SAFETY: the usable part of this slot, not in use (the pool holds it idle).
        unsafe {
            libc::madvise(
                (self.start + page) as *mut libc::c_void,
                self.end - self.start - page,
                libc::MADV_DONTNEED,
            );
        }
    }
}

// SAFETY: `end` (the base) and `start` (the limit, guard page included) bound a slot of a
// live mapping (the `Rc` keeps the slab mapped), both page-aligned, so aligned to
// `STACK_ALIGNMENT`; the slot is used by one coroutine at a time (the slot is owned).
unsafe impl Stack for SlabStack {
    #[inline]
    fn base(&self) -> StackPointer {
        StackPointer::new(self.end).unwrap_or(StackPointer::MIN)
    }

    #[inline]
    fn limit(&self) -> StackPointer {
        StackPointer::new(self.start).unwrap_or(StackPointer::MIN)
    }
}

/// Whether this kernel has guard regions (tried once per process).
pub(crate) fn supported() -> bool {
    static STATE: AtomicU8 = AtomicU8::new(0);
    match STATE.load(Ordering::Relaxed) {
        1 => true,
        2 => false,
        _ => {
            let ok = probe();
            STATE.store(if ok { 1 } else { 2 }, Ordering::Relaxed);
            ok
        }
    }
}

#[cfg(target_os = "linux")]
fn probe() -> bool {
    let page = page_size();
    // SAFETY: a fresh private mapping of two pages, unmapped below; nothing else uses it.
    unsafe {
        let map = libc::mmap(
            ptr::null_mut(),
            2 * page,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        );
        if map == libc::MAP_FAILED {
            return false;
        }
        let ok = libc::madvise(map, page, MADV_GUARD_INSTALL) == 0;
        libc::munmap(map, 2 * page);
        ok
    }
}

#[cfg(not(target_os = "linux"))]
fn probe() -> bool {
    false
}

/// The slot length for stacks of `usable` bytes: whole pages plus the guard page.
pub(crate) fn slot_len(usable: usize) -> usize {
    let page = page_size();
    usable.max(page).div_ceil(page) * page + page
}

/// How many slots a slab of `slot_len`-byte slots holds.
pub(crate) fn slots_per_slab(slot_len: usize) -> usize {
    (SLAB_BYTES / slot_len).clamp(1, MAX_SLOTS)
}

/// Maps a slab of stacks with at least `usable` bytes each and installs every slot's
/// guard page; returns its stacks, lowest first.
#[cfg(target_os = "linux")]
pub(crate) fn map(usable: usize) -> io::Result<Vec<SlabStack>> {
    let page = page_size();
    let slot = slot_len(usable);
    let slots = slots_per_slab(slot);
    let len = slot * slots;
    // SAFETY: a new private anonymous mapping; MAP_NORESERVE: only touched pages count
    // against memory, as with corosensei's own stacks.
    let map = unsafe {
        libc::mmap(
            ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_STACK,
            -1,
            0,
        )
    };
    if map == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    let Some(start) = NonNull::new(map.cast::<u8>()) else {
        return Err(io::Error::other("mmap returned null"));
    };
    let slab = Rc::new(Slab { start, len });
    let base = start.as_ptr() as usize;
    let mut stacks = Vec::with_capacity(slots);
    for index in 0..slots {
        let slot_start = base + index * slot;
        // SAFETY: the first page of a slot of the mapping made above.
        if unsafe { libc::madvise(slot_start as *mut libc::c_void, page, MADV_GUARD_INSTALL) } != 0
        {
            // (`slab` unmaps when the stacks made so far and it are dropped.)
            return Err(io::Error::last_os_error());
        }
        stacks.push(SlabStack {
            start: slot_start,
            end: slot_start + slot,
            _valgrind: ValgrindStackRegistration::new(slot_start as *mut u8, slot),
            _slab: Rc::clone(&slab),
        });
    }
    Ok(stacks)
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn map(_usable: usize) -> io::Result<Vec<SlabStack>> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// The system's page size.
pub(crate) fn page_size() -> usize {
    static PAGE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    match PAGE.load(Ordering::Relaxed) {
        0 => {
            // SAFETY: sysconf has no preconditions.
            let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
            let size = usize::try_from(size).unwrap_or(4096);
            PAGE.store(size, Ordering::Relaxed);
            size
        }
        size => size,
    }
}
