//! Counting drops of values that tests hand to futures, fibers and C++.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts how many of its [`DropGuard`]s were dropped, from any thread.
///
/// ```
/// let drops = corobridge_testkit::DropCounter::new();
/// let guard = drops.guard();
/// assert_eq!(drops.dropped(), 0);
/// drop(guard);
/// assert_eq!(drops.dropped(), 1);
/// ```
#[derive(Clone, Debug, Default)]
pub struct DropCounter(Arc<AtomicUsize>);

impl DropCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// A guard whose drop increments this counter.
    pub fn guard(&self) -> DropGuard {
        DropGuard(self.0.clone())
    }

    /// Guards dropped so far.
    pub fn dropped(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Increments its [`DropCounter`] when dropped.
#[derive(Debug)]
pub struct DropGuard(Arc<AtomicUsize>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}
