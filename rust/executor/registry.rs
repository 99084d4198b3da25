//! A process-wide registry of live executors, so that a C++ awaiter can hold a compact
//! 32-bit executor key instead of a pointer: cancelling a timer after its executor is gone
//! finds nothing (a no-op) instead of touching freed memory. Keys are never reused.

use std::collections::HashMap;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::local_timers::LOCAL_TIMER_KEY;

static NEXT_KEY: AtomicU32 = AtomicU32::new(1);
static LIVE: Mutex<Option<HashMap<u32, Entry>>> = Mutex::new(None);

/// An executor's address (erased: the registry does not know the executor's type; the
/// executor's `Core::with_registered` turns it back) and its thread.
#[derive(Clone, Copy)]
struct Entry {
    core: NonNull<()>,
    thread: usize,
}

// SAFETY: the entry is only an address plus a thread mark; it is handed out solely by
// `with_entry`, on the executor's own thread (checked against `thread`).
unsafe impl Send for Entry {}

fn live() -> MutexGuard<'static, Option<HashMap<u32, Entry>>> {
    LIVE.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// Registers a new executor; returns its key (never 0 or `LOCAL_TIMER_KEY`, which C++
/// timer ids of `local_timers` carry).
pub(crate) fn register(core: NonNull<()>, thread: usize) -> u32 {
    let key = loop {
        let key = NEXT_KEY.fetch_add(1, Ordering::Relaxed);
        if key != 0 && key != LOCAL_TIMER_KEY {
            break key;
        }
    };
    live()
        .get_or_insert_with(HashMap::new)
        .insert(key, Entry { core, thread });
    key
}

/// Forgets an executor (when it is dropped).
pub(crate) fn unregister(key: u32) {
    if let Some(map) = live().as_mut() {
        map.remove(&key);
    }
}

/// What `with_core` found.
pub(crate) enum Lookup<R> {
    /// The executor is alive on this thread; the closure ran.
    Ran(R),
    /// The executor is gone.
    Gone,
    /// The executor is alive on another thread.
    OtherThread,
}

/// Runs `f` with the address of the executor with `key` if it is alive and owned by
/// `thread`, while the registry's lock keeps it registered.
pub(crate) fn with_entry<R>(
    key: u32,
    thread: usize,
    f: impl FnOnce(NonNull<()>) -> R,
) -> Lookup<R> {
    let guard = live();
    let Some(entry) = guard.as_ref().and_then(|map| map.get(&key)).copied() else {
        return Lookup::Gone;
    };
    if entry.thread != thread {
        return Lookup::OtherThread;
    }
    // A registered executor is alive (it unregisters before its memory goes away), and the
    // lock is held, so it cannot be dropped meanwhile (unregistering takes the same lock).
    Lookup::Ran(f(entry.core))
}
