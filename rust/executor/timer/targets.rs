//! What a timer fires, encoded as one tagged 8-byte entry: a frame's address with its kind
//! in the low two bits, or a waker's index in the slab of wakers kept beside the lanes.

use super::slots::EMPTY;
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

const TAG_MASK: u64 = 3;
const TAG_FRAME: u64 = 0;
const TAG_WAKER: u64 = 1;
const TAG_RAW_FRAME: u64 = 2;

/// True if `raw` is a pending entry that resumes a (prefetchable) C++ frame.
#[inline]
pub(super) fn is_frame(raw: u64) -> bool {
    raw & TAG_MASK == TAG_FRAME && raw != EMPTY
}

/// True if `raw` is EMPTY or a C++ frame's entry: worth a prefetch, which never faults, of
/// the address it holds (the cheaper test where address 0 does no harm).
#[inline]
pub(super) fn is_frame_or_empty(raw: u64) -> bool {
    raw & TAG_MASK == TAG_FRAME
}

/// The entry of a `Target::Frame(frame)`.
#[inline]
pub(super) fn encode_frame(frame: NonNull<c_void>) -> u64 {
    let raw = frame.as_ptr().expose_provenance() as u64;
    debug_assert_eq!(
        raw & TAG_MASK,
        0,
        "coroutine frames are at least 4-byte aligned"
    );
    raw | TAG_FRAME
}

/// The frame address a frame entry (`Target::Frame` or `Target::RawFrame`, never EMPTY)
/// holds, its tag bits cleared.
#[inline]
pub(super) fn frame_of(raw: u64) -> NonNull<c_void> {
    debug_assert!(raw != EMPTY && raw & TAG_MASK != TAG_WAKER);
    let frame = std::ptr::with_exposed_provenance_mut::<c_void>((raw & !TAG_MASK) as usize);
    // SAFETY: frame entries are encoded from NonNull pointers (`encode_frame`), whose
    // address keeps its bits above the tag: clearing the tag cannot give null.
    unsafe { NonNull::new_unchecked(frame) }
}

/// The wakers of pending `Target::Waker` entries, by index (free indices are reused).
#[derive(Default)]
pub(super) struct Targets {
    wakers: Vec<Option<Waker>>,
    free_wakers: Vec<u32>,
}

impl Targets {
    /// The entry for `target` (never EMPTY).
    pub(super) fn encode(&mut self, target: Target) -> u64 {
        match target {
            Target::Frame(frame) => encode_frame(frame),
            Target::RawFrame(frame) => encode_frame(frame) | TAG_RAW_FRAME,
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

    /// The target of a pending (non-EMPTY) entry, taken out of it: a waker's slot is freed.
    pub(super) fn decode(&mut self, raw: u64) -> Target {
        match raw & TAG_MASK {
            TAG_WAKER => {
                let index = (raw >> 2) as u32;
                let waker = self.wakers[index as usize].take();
                self.free_wakers.push(index);
                Target::Waker(waker.expect("a pending waker slot holds a waker"))
            }
            tag => {
                let frame = frame_of(raw);
                if tag == TAG_RAW_FRAME {
                    Target::RawFrame(frame)
                } else {
                    Target::Frame(frame)
                }
            }
        }
    }

    /// For a pending entry `raw`: if it holds a waker that would not wake `waker`'s task,
    /// replaces it by `waker`.
    pub(super) fn refresh_waker(&mut self, raw: u64, waker: &Waker) {
        if raw & TAG_MASK == TAG_WAKER {
            let entry = &mut self.wakers[(raw >> 2) as usize];
            if !entry.as_ref().is_some_and(|w| w.will_wake(waker)) {
                *entry = Some(waker.clone());
            }
        }
    }

    /// Drops every waker.
    pub(super) fn clear(&mut self) {
        self.wakers.clear();
        self.free_wakers.clear();
    }
}
