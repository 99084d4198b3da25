//! Fiber stacks and the pool that reuses them.
//!
//! A fresh stack is an `mmap` with a guard page below it (and its pages are faulted in as
//! the fiber first touches them): about 14 µs for 1 MiB, hundreds of times a fiber switch.
//! So fibers take their stacks from a pool and give them back when they finish. Pools are
//! per thread (fibers are not `Send`), one per stack size, and bounded: a pool keeps at
//! most [`StackPool::max_cached`] idle stacks and unmaps the rest. A stack comes back with
//! the pages the previous fiber touched still mapped, which is what makes reuse cheap; its
//! contents are not cleared.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

use corosensei::stack::{DefaultStack, Stack};

use super::FiberError;
use super::current::StackInfo;

/// Usable size of the stacks of [`Fiber::new`](crate::Fiber::new): 256 KiB (plus a 4 KiB
/// guard page). Raise it with [`FiberBuilder::stack_size`](crate::FiberBuilder::stack_size)
/// for deep recursion or large locals; an overflow stops the process with a diagnostic.
pub const DEFAULT_STACK_SIZE: usize = 256 * 1024;

/// Idle stacks a pool keeps by default (64 × 256 KiB = 16 MiB of address space at most,
/// of which only the pages fibers actually touched are resident).
pub const DEFAULT_MAX_CACHED: usize = 64;

/// Counters of a [`StackPool`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Stacks allocated (mapped) by this pool.
    pub allocated: u64,
    /// Stacks handed out again from the idle list.
    pub reused: u64,
    /// Stacks unmapped because the pool was full.
    pub released: u64,
    /// Idle stacks kept now.
    pub cached: usize,
}

struct PoolInner {
    stack_size: usize,
    max_cached: Cell<usize>,
    idle: RefCell<Vec<DefaultStack>>,
    stats: Cell<PoolStats>,
}

/// A bounded cache of fiber stacks of one size, for one thread.
///
/// Cloning gives another handle to the same pool. Every fiber holds a handle to the pool
/// its stack came from and returns the stack there when it finishes.
///
/// ```
/// use corobridge::{Fiber, StackPool};
///
/// let pool = StackPool::new(64 * 1024, 8);
/// for _ in 0..3 {
///     let f = Fiber::<(), (), i32>::builder().pool(&pool).build(|()| 7).unwrap();
///     assert_eq!(f.resume(()).unwrap().returned(), Some(7));
/// }
/// let stats = pool.stats();
/// assert_eq!((stats.allocated, stats.reused, stats.cached), (1, 2, 1));
/// ```
#[derive(Clone)]
pub struct StackPool {
    inner: Rc<PoolInner>,
}

thread_local! {
    static POOLS: RefCell<Vec<StackPool>> = const { RefCell::new(Vec::new()) };
}

impl StackPool {
    /// A new pool of stacks with at least `stack_size` usable bytes, keeping at most
    /// `max_cached` idle stacks.
    pub fn new(stack_size: usize, max_cached: usize) -> Self {
        Self {
            inner: Rc::new(PoolInner {
                stack_size,
                max_cached: Cell::new(max_cached),
                idle: RefCell::new(Vec::new()),
                stats: Cell::new(PoolStats::default()),
            }),
        }
    }

    /// This thread's shared pool for `stack_size` (created with [`DEFAULT_MAX_CACHED`] on
    /// first use). [`Fiber::new`](crate::Fiber::new) and
    /// [`FiberBuilder::stack_size`](crate::FiberBuilder::stack_size) use these.
    pub fn for_size(stack_size: usize) -> Self {
        POOLS.with(|pools| {
            let mut pools = pools.borrow_mut();
            if let Some(pool) = pools.iter().find(|p| p.stack_size() == stack_size) {
                return pool.clone();
            }
            let pool = Self::new(stack_size, DEFAULT_MAX_CACHED);
            pools.push(pool.clone());
            pool
        })
    }

    /// This thread's pool of [`DEFAULT_STACK_SIZE`] stacks.
    pub fn thread_default() -> Self {
        Self::for_size(DEFAULT_STACK_SIZE)
    }

    /// The usable size of this pool's stacks.
    pub fn stack_size(&self) -> usize {
        self.inner.stack_size
    }

    /// The most idle stacks this pool keeps.
    pub fn max_cached(&self) -> usize {
        self.inner.max_cached.get()
    }

    /// Changes the bound (idle stacks beyond it are unmapped now).
    pub fn set_max_cached(&self, max_cached: usize) {
        self.inner.max_cached.set(max_cached);
        let excess: Vec<DefaultStack> = {
            let mut idle = self.inner.idle.borrow_mut();
            let keep = idle.len().min(max_cached);
            idle.drain(keep..).collect()
        };
        self.count(|s| s.released += excess.len() as u64);
        drop(excess);
    }

    /// Current counters.
    pub fn stats(&self) -> PoolStats {
        let mut stats = self.inner.stats.get();
        stats.cached = self.inner.idle.borrow().len();
        stats
    }

    /// Unmaps every idle stack.
    pub fn clear(&self) {
        let max_cached = self.max_cached();
        self.set_max_cached(0);
        self.inner.max_cached.set(max_cached);
    }

    fn count(&self, update: impl FnOnce(&mut PoolStats)) {
        let mut stats = self.inner.stats.get();
        update(&mut stats);
        self.inner.stats.set(stats);
    }

    /// An idle stack, or a new one.
    #[inline]
    pub(crate) fn take(&self) -> Result<DefaultStack, FiberError> {
        let reused = self.inner.idle.borrow_mut().pop();
        if let Some(stack) = reused {
            self.count(|s| s.reused += 1);
            return Ok(stack);
        }
        let stack = allocate(self.stack_size())?;
        self.count(|s| s.allocated += 1);
        Ok(stack)
    }

    /// Takes a stack back (or unmaps it if the pool is full).
    #[inline]
    pub(crate) fn give_back(&self, stack: DefaultStack) {
        let mut idle = self.inner.idle.borrow_mut();
        if idle.len() < self.max_cached() {
            idle.push(stack);
        } else {
            drop(idle);
            self.count(|s| s.released += 1);
            drop(stack);
        }
    }
}

impl fmt::Debug for StackPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StackPool")
            .field("stack_size", &self.stack_size())
            .field("max_cached", &self.max_cached())
            .field("stats", &self.stats())
            .finish()
    }
}

/// Maps a new stack with at least `size` usable bytes and a guard page (registered with
/// valgrind by corosensei).
pub(crate) fn allocate(size: usize) -> Result<DefaultStack, FiberError> {
    DefaultStack::new(size).map_err(|e| FiberError::Stack {
        size,
        message: if e.raw_os_error() == Some(libc::ENOMEM) {
            format!("{e}; {}", mapping_limit_hint())
        } else {
            e.to_string()
        },
    })
}

/// What bounds guarded stacks and the ways out, for the error at the limit.
fn mapping_limit_hint() -> String {
    let limit = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok());
    let bound = limit.map_or_else(
        || "vm.max_map_count".to_owned(),
        |n| format!("vm.max_map_count = {n}, so about {} fibers", n / 2),
    );
    format!(
        "each guarded fiber stack takes two memory mappings (the stack and its guard page), \
         and the process's mappings are bounded by {bound} alive at once (or memory ran \
         out); raise the limit (sysctl -w vm.max_map_count=...), keep fewer fibers alive, \
         or use stackless C++ tasks or Rust futures for the waiters (they take no mapping)"
    )
}

/// Where a stack's guard page is, and how much of it is usable.
#[inline]
pub(crate) fn info(stack: &DefaultStack) -> StackInfo {
    let page = page_size();
    let limit = stack.limit().get();
    StackInfo {
        guard_start: limit,
        guard_end: limit + page,
        usable: stack.base().get() - limit - page,
    }
}

fn page_size() -> usize {
    static PAGE: AtomicUsize = AtomicUsize::new(0);
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
