//! [`FiberBuilder`]: where a fiber's stack comes from.

use std::fmt;
use std::marker::PhantomData;

use super::stack;
use super::stack_pool::{DEFAULT_STACK_SIZE, StackPool};
use super::{Fiber, FiberError, overflow};

enum StackChoice {
    /// This thread's shared pool for the size.
    Sized(usize),
    /// A given pool.
    Pool(StackPool),
    /// A new stack of the size, unmapped when the fiber finishes.
    Fresh(usize),
}

/// Configures a [`Fiber`] before creating it: its stack size, and whether its stack comes
/// from a pool (the default) or is mapped fresh.
///
/// ```
/// use corobridge::{Fiber, StackPool};
///
/// // 1 MiB stacks, from this thread's pool of 1 MiB stacks.
/// let big = Fiber::<(), (), usize>::builder()
///     .stack_size(1 << 20)
///     .build(|()| {
///         let buffer = [7u8; 512 * 1024];
///         buffer.iter().map(|&b| usize::from(b)).sum()
///     })
///     .unwrap();
/// assert!(big.stack_size() >= 1 << 20);
/// assert_eq!(big.resume(()).unwrap().returned(), Some(7 * 512 * 1024));
///
/// // A stack of its own, unmapped when the fiber ends (slower: ~µs to map).
/// let fresh = Fiber::<(), (), ()>::builder().fresh_stack().build(|()| ()).unwrap();
/// # drop(fresh);
/// ```
pub struct FiberBuilder<I = (), Y = (), R = ()> {
    stack: StackChoice,
    types: PhantomData<fn(I) -> (Y, R)>,
}

impl<I: 'static, Y: 'static, R: 'static> Default for FiberBuilder<I, Y, R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<I: 'static, Y: 'static, R: 'static> FiberBuilder<I, Y, R> {
    /// A builder for a fiber with a [`DEFAULT_STACK_SIZE`] stack from this thread's pool.
    pub fn new() -> Self {
        Self {
            stack: StackChoice::Sized(DEFAULT_STACK_SIZE),
            types: PhantomData,
        }
    }

    /// At least `bytes` of usable stack (rounded up to whole pages; a guard page is added
    /// below), from this thread's pool of stacks of that size.
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack = match self.stack {
            StackChoice::Fresh(_) => StackChoice::Fresh(bytes),
            _ => StackChoice::Sized(bytes),
        };
        self
    }

    /// Takes the stack from `pool` (and its size from the pool).
    pub fn pool(mut self, pool: &StackPool) -> Self {
        self.stack = StackChoice::Pool(pool.clone());
        self
    }

    /// Maps a stack for this fiber alone and unmaps it when the fiber finishes.
    pub fn fresh_stack(mut self) -> Self {
        let size = match &self.stack {
            StackChoice::Sized(size) | StackChoice::Fresh(size) => *size,
            StackChoice::Pool(pool) => pool.stack_size(),
        };
        self.stack = StackChoice::Fresh(size);
        self
    }

    /// Creates the fiber. It does not run until it is first resumed (or polled); `body`
    /// receives the first resume's input.
    ///
    /// # Errors
    ///
    /// [`FiberError::Stack`] if no stack could be mapped.
    pub fn build<F>(self, body: F) -> Result<Fiber<I, Y, R>, FiberError>
    where
        F: FnOnce(I) -> R + 'static,
    {
        overflow::prepare_thread();
        let (stack, pool) = match self.stack {
            StackChoice::Sized(size) => {
                let pool = StackPool::for_size(size);
                (pool.take()?, Some(pool))
            }
            StackChoice::Pool(pool) => (pool.take()?, Some(pool)),
            StackChoice::Fresh(size) => (stack::allocate_mapped(size)?, None),
        };
        Ok(Fiber::with_stack(stack, pool, body))
    }
}

impl<I, Y, R> fmt::Debug for FiberBuilder<I, Y, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stack = match &self.stack {
            StackChoice::Sized(size) => format!("pooled {size} bytes"),
            StackChoice::Pool(pool) => format!("pool of {} bytes", pool.stack_size()),
            StackChoice::Fresh(size) => format!("fresh {size} bytes"),
        };
        f.debug_struct("FiberBuilder")
            .field("stack", &stack)
            .finish()
    }
}
