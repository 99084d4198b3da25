//! What [`Executor::shutdown`](super::Executor::shutdown) cancelled.

/// The work an executor still owned when it was shut down, all of it cancelled: every
/// pending C++ frame destroyed (its locals' destructors ran) and every pending Rust
/// future dropped.
///
/// ```
/// use corobridge::Executor;
/// use std::time::Duration;
///
/// let executor = Executor::new_virtual();
/// let _waiting = executor.spawn(corobridge::sleep(Duration::from_secs(1)));
/// executor.run_until_idle();
/// let cancelled = executor.shutdown();
/// assert_eq!((cancelled.cpp_tasks, cancelled.rust_tasks), (0, 1));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shutdown {
    /// Spawned C++ tasks (roots) that had not finished: their frames were destroyed.
    pub cpp_tasks: usize,
    /// Spawned Rust tasks that had not finished: their futures were dropped (with any C++
    /// tasks they were awaiting).
    pub rust_tasks: usize,
}

impl Shutdown {
    /// Every unit cancelled.
    pub fn total(&self) -> usize {
        self.cpp_tasks + self.rust_tasks
    }
}
