//! A fiber's stack, whichever way it was mapped, and how a pool maps them
//! ([`StackLayout`]).

use corosensei::stack::{DefaultStack, Stack, StackPointer};

use super::FiberError;
use super::current::StackInfo;
use super::slab::{self, SlabStack};

/// How a [`StackPool`](crate::StackPool) maps its stacks. Every layout gives each stack a
/// guard page below it, so an overflow faults and stops the process with a diagnostic.
///
/// ```
/// use corobridge::{Fiber, StackLayout, StackPool};
///
/// // One mapping per stack: works on any kernel, about 32,700 alive at most by default.
/// let pool = StackPool::with_layout(64 * 1024, 8, StackLayout::Mapped);
/// let f = Fiber::<(), (), i32>::builder().pool(&pool).build(|()| 7).unwrap();
/// assert_eq!(f.resume(()).unwrap().returned(), Some(7));
/// assert_eq!(pool.layout(), StackLayout::Mapped);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StackLayout {
    /// [`Slab`](Self::Slab) where the kernel has guard regions (Linux 6.13 or later), else
    /// [`Mapped`](Self::Mapped). The default.
    Auto,
    /// Hundreds of stacks per memory mapping, each with a guard page made by
    /// `madvise(MADV_GUARD_INSTALL)`, which does not split the mapping: a few thousand
    /// mappings hold a million stacks, so `vm.max_map_count` is no bound. Taking a stack
    /// fails with [`FiberError::Stack`] on kernels without guard regions.
    Slab,
    /// A mapping of its own per stack with an `mprotect`ed guard page (corosensei's
    /// `DefaultStack`): two mappings per stack, so about `vm.max_map_count / 2` stacks
    /// alive at once (32,765 with the default 65,530).
    Mapped,
}

impl StackLayout {
    /// `Auto` decided for this machine.
    pub fn resolved(self) -> Self {
        match self {
            StackLayout::Auto if slab::supported() => StackLayout::Slab,
            StackLayout::Auto => StackLayout::Mapped,
            other => other,
        }
    }
}

/// A fiber's stack.
pub(crate) enum FiberStack {
    /// A mapping of its own.
    Mapped(DefaultStack),
    /// A slot of a slab.
    Slab(SlabStack),
}

impl FiberStack {
    /// Where its guard page is, and how much of it is usable.
    #[inline]
    pub(crate) fn info(&self) -> StackInfo {
        // Both layouts put one guard page at the limit.
        let limit = self.limit().get();
        let guard = slab::page_size();
        StackInfo {
            guard_start: limit,
            guard_end: limit + guard,
            usable: self.base().get() - limit - guard,
        }
    }
}

// SAFETY: forwards to the two stack types, whose own implementations hold.
unsafe impl Stack for FiberStack {
    #[inline]
    fn base(&self) -> StackPointer {
        match self {
            FiberStack::Mapped(stack) => stack.base(),
            FiberStack::Slab(stack) => stack.base(),
        }
    }

    #[inline]
    fn limit(&self) -> StackPointer {
        match self {
            FiberStack::Mapped(stack) => stack.limit(),
            FiberStack::Slab(stack) => stack.limit(),
        }
    }
}

/// Maps a new stack of its own with at least `size` usable bytes and a guard page
/// (registered with valgrind by corosensei).
pub(crate) fn allocate_mapped(size: usize) -> Result<FiberStack, FiberError> {
    DefaultStack::new(size)
        .map(FiberStack::Mapped)
        .map_err(|e| FiberError::Stack {
            size,
            message: if e.raw_os_error() == Some(libc::ENOMEM) {
                format!("{e}; {}", mapping_limit_hint())
            } else {
                e.to_string()
            },
        })
}

/// Maps a slab of stacks with at least `size` usable bytes each.
pub(crate) fn allocate_slab(size: usize) -> Result<Vec<SlabStack>, FiberError> {
    if !slab::supported() {
        return Err(FiberError::Stack {
            size,
            message: "StackLayout::Slab needs guard regions (madvise MADV_GUARD_INSTALL, \
                      Linux 6.13 or later), which this kernel lacks; use StackLayout::Auto or \
                      StackLayout::Mapped"
                .to_owned(),
        });
    }
    slab::map(size).map_err(|e| FiberError::Stack {
        size,
        message: if e.raw_os_error() == Some(libc::ENOMEM) {
            format!(
                "{e}: a slab of {} stacks could not be mapped (memory, address space or \
                 vm.max_map_count ran out; each slab is one mapping)",
                slab::slots_per_slab(slab::slot_len(size))
            )
        } else {
            e.to_string()
        },
    })
}

/// What bounds stacks of their own and the ways out, for the error at the limit.
fn mapping_limit_hint() -> String {
    let limit = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok());
    let bound = limit.map_or_else(
        || "vm.max_map_count".to_owned(),
        |n| format!("vm.max_map_count = {n}, so about {} fibers", n / 2),
    );
    let slab = if slab::supported() {
        "use StackLayout::Slab (StackLayout::Auto picks it on this kernel), which puts \
         hundreds of guarded stacks in one mapping, "
    } else {
        "use Linux 6.13 or later, where StackLayout::Auto puts hundreds of guarded stacks in \
         one mapping, "
    };
    format!(
        "each guarded fiber stack of its own (StackLayout::Mapped) takes two memory mappings \
         (the stack and its guard page), and the process's mappings are bounded by {bound} \
         alive at once (or memory ran out); {slab}raise the limit (sysctl -w \
         vm.max_map_count=...), keep fewer fibers alive, or use stackless C++ tasks or Rust \
         futures for the waiters (they take no mapping)"
    )
}
