//! Timers of bare coroutine handles (`GameEngine::schedule_resume`), indexed by frame.
//!
//! A frame suspended in one of corobridge's awaiters cancels its own timer when it is
//! destroyed (the awaiter's destructor runs with the frame). A bare handle scheduled with
//! `schedule_resume` has no such awaiter: whoever destroys the frame may not know of the
//! timer. So these timers are indexed here by frame address, process-wide, and the frame
//! pool (`pooled_frame::operator delete`, which every corobridge promise type uses) calls
//! `corobridge_rs_frame_freed` before it frees a frame while any are pending: a destroyed
//! frame leaves every queue. The C++ side checks a counter first (one relaxed load), so
//! frees cost nothing more while no such timer is pending anywhere.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::timer::TimerKey;

/// A registration: its executor's registry key and its key there.
pub(crate) type Registration = (u32, TimerKey);

#[derive(Default)]
struct Index {
    frames: HashMap<usize, Vec<Registration>>,
}

static INDEX: Mutex<Option<Index>> = Mutex::new(None);
/// Registrations in the index: changed only under its lock, read without it.
static PENDING: AtomicUsize = AtomicUsize::new(0);

fn index() -> MutexGuard<'static, Option<Index>> {
    INDEX.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// Adds `added` and takes `removed` registrations from the count, and publishes it to C++
/// (under the index's lock, so updates arrive in order).
fn publish(added: usize, removed: usize) {
    let count = PENDING.load(Ordering::Relaxed) + added - removed;
    PENDING.store(count, Ordering::Relaxed);
    // SAFETY: stores an integer; callable from any thread.
    unsafe { crate::ffi::abi::corobridge_cpp_raw_resume_timers_set(count) };
}

/// Records a pending timer of `frame` on the executor `executor`.
pub(crate) fn insert(frame: usize, executor: u32, key: TimerKey) {
    let mut guard = index();
    let index = guard.get_or_insert_with(Index::default);
    index.frames.entry(frame).or_default().push((executor, key));
    publish(1, 0);
}

/// Forgets the registrations of `frame` on `executor` that are no longer pending (one
/// fired or was cancelled).
pub(crate) fn settle(frame: usize, executor: u32, mut pending: impl FnMut(TimerKey) -> bool) {
    let mut guard = index();
    let Some(index) = guard.as_mut() else { return };
    let Some(entries) = index.frames.get_mut(&frame) else {
        return;
    };
    let before = entries.len();
    entries.retain(|&(e, key)| e != executor || pending(key));
    let removed = before - entries.len();
    if entries.is_empty() {
        index.frames.remove(&frame);
    }
    if removed > 0 {
        publish(0, removed);
    }
}

/// Takes every registration of `frame` (it is being freed).
pub(crate) fn take(frame: usize) -> Vec<Registration> {
    let mut guard = index();
    let Some(index) = guard.as_mut() else {
        return Vec::new();
    };
    let entries = index.frames.remove(&frame).unwrap_or_default();
    if !entries.is_empty() {
        publish(0, entries.len());
    }
    entries
}

/// Forgets every registration on `executor` (its timer queue is cleared).
pub(crate) fn forget_executor(executor: u32) {
    if PENDING.load(Ordering::Relaxed) == 0 {
        return;
    }
    let mut guard = index();
    let Some(index) = guard.as_mut() else { return };
    let mut removed = 0;
    index.frames.retain(|_, entries| {
        let before = entries.len();
        entries.retain(|&(e, _)| e != executor);
        removed += before - entries.len();
        !entries.is_empty()
    });
    if removed > 0 {
        publish(0, removed);
    }
}
