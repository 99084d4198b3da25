//! Fiber stacks and the pool that reuses them.
//!
//! A fresh stack costs a mapping (or a slot of a slab of them, see [`StackLayout`]) and
//! its pages are faulted in as the fiber first touches them: about 14 µs for 1 MiB,
//! hundreds of times a fiber switch. So fibers take their stacks from a pool and give them
//! back when they finish. Pools are per thread (fibers are not `Send`), one per stack size,
//! and bounded: a pool keeps at most [`StackPool::max_cached`] idle stacks with their pages
//! and gives the rest back to the system (a stack of its own is unmapped; a slab's slot
//! keeps only its address range and guard page, for the pool's next stack). A stack comes
//! back with the pages the previous fiber touched still mapped, which is what makes reuse
//! cheap; its contents are not cleared.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

use super::FiberError;
use super::slab::SlabStack;
use super::stack::{self, FiberStack, StackLayout};

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
    /// Slabs mapped (each one mapping of many stacks; [`StackLayout::Slab`]).
    pub slabs: u64,
}

struct PoolInner {
    stack_size: usize,
    layout: StackLayout,
    max_cached: Cell<usize>,
    /// Stacks given back with their pages, newest last.
    idle: RefCell<Vec<FiberStack>>,
    /// Slab slots with no pages (never used, or released): the next stacks to hand out.
    cold: RefCell<Vec<SlabStack>>,
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
    /// `max_cached` idle stacks, mapped as [`StackLayout::Auto`] decides.
    pub fn new(stack_size: usize, max_cached: usize) -> Self {
        Self::with_layout(stack_size, max_cached, StackLayout::Auto)
    }

    /// [`new`](Self::new) with the stacks mapped as `layout` says.
    pub fn with_layout(stack_size: usize, max_cached: usize, layout: StackLayout) -> Self {
        Self {
            inner: Rc::new(PoolInner {
                stack_size,
                layout: layout.resolved(),
                max_cached: Cell::new(max_cached),
                idle: RefCell::new(Vec::new()),
                cold: RefCell::new(Vec::new()),
                stats: Cell::new(PoolStats::default()),
            }),
        }
    }

    /// How this pool maps its stacks ([`StackLayout::Auto`] resolved).
    pub fn layout(&self) -> StackLayout {
        self.inner.layout
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
        let excess: Vec<FiberStack> = {
            let mut idle = self.inner.idle.borrow_mut();
            let keep = idle.len().min(max_cached);
            idle.drain(keep..).collect()
        };
        for stack in excess {
            self.release(stack);
        }
    }

    /// Current counters.
    pub fn stats(&self) -> PoolStats {
        let mut stats = self.inner.stats.get();
        stats.cached = self.inner.idle.borrow().len();
        stats
    }

    /// Gives every idle stack's pages back to the system.
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
    pub(crate) fn take(&self) -> Result<FiberStack, FiberError> {
        let reused = self.inner.idle.borrow_mut().pop();
        if let Some(stack) = reused {
            self.count(|s| s.reused += 1);
            return Ok(stack);
        }
        let stack = match self.inner.layout {
            StackLayout::Slab => FiberStack::Slab(self.cold_slot()?),
            _ => stack::allocate_mapped(self.stack_size())?,
        };
        self.count(|s| s.allocated += 1);
        Ok(stack)
    }

    /// A slab slot with no pages: a released one, or one of a new slab.
    fn cold_slot(&self) -> Result<SlabStack, FiberError> {
        let mut cold = self.inner.cold.borrow_mut();
        if let Some(slot) = cold.pop() {
            return Ok(slot);
        }
        let mut slab = stack::allocate_slab(self.stack_size())?;
        self.count(|s| s.slabs += 1);
        // Lowest last, so that stacks are handed out from the slab's start.
        slab.reverse();
        let slot = slab.pop();
        cold.extend(slab);
        slot.ok_or_else(|| FiberError::Stack {
            size: self.stack_size(),
            message: "a slab of no stacks".to_owned(),
        })
    }

    /// Takes a stack back (or gives its pages back to the system if the pool is full).
    #[inline]
    pub(crate) fn give_back(&self, stack: FiberStack) {
        let mut idle = self.inner.idle.borrow_mut();
        if idle.len() < self.max_cached() {
            idle.push(stack);
        } else {
            drop(idle);
            self.release(stack);
        }
    }

    /// Gives a stack's pages back: unmaps a stack of its own, keeps a slab slot cold.
    fn release(&self, stack: FiberStack) {
        self.count(|s| s.released += 1);
        match stack {
            FiberStack::Mapped(stack) => drop(stack),
            FiberStack::Slab(slot) => {
                slot.release_pages();
                self.inner.cold.borrow_mut().push(slot);
            }
        }
    }
}

impl fmt::Debug for StackPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StackPool")
            .field("stack_size", &self.stack_size())
            .field("layout", &self.layout())
            .field("max_cached", &self.max_cached())
            .field("stats", &self.stats())
            .finish()
    }
}
