//! Boxes in the per-thread frame pool that C++ coroutine frames come from
//! (`include/corobridge/detail/frame_pool.hpp`): the boxed Rust futures and streams handed
//! to C++ are created and dropped as often as C++ frames, and recycle the same way.

use std::alloc::{Layout, handle_alloc_error};
use std::marker::PhantomData;
use std::ptr::NonNull;

use crate::ffi::abi::{corobridge_cpp_frame_alloc, corobridge_cpp_frame_free};

/// True if values of `T` can live in the pool (its blocks are 16-byte aligned).
const fn poolable<T>() -> bool {
    align_of::<T>() <= 16 && size_of::<T>() > 0
}

/// An uninitialised block for a `T`: from the pool, or (over-aligned or zero-sized types) a
/// plain `Box`'s allocation.
fn allocate<T>() -> NonNull<T> {
    if !poolable::<T>() {
        return NonNull::from(Box::leak(Box::<T>::new_uninit())).cast();
    }
    // SAFETY: plain allocation call; a non-null result is a block of at least
    // size_of::<T>() bytes, 16-byte aligned, owned by us.
    let block = unsafe { corobridge_cpp_frame_alloc(size_of::<T>()) };
    match NonNull::new(block.cast::<T>()) {
        Some(block) => block,
        None => handle_alloc_error(Layout::new::<T>()),
    }
}

/// Gives back the block of `ptr` without dropping a value in it.
///
/// # Safety
///
/// `ptr` must come from [`allocate::<T>`] and not have been given back; any value in it
/// must have been dropped or moved out (or never written).
unsafe fn deallocate<T>(ptr: NonNull<T>) {
    if poolable::<T>() {
        // SAFETY: the block came from corobridge_cpp_frame_alloc with this size.
        unsafe { corobridge_cpp_frame_free(ptr.as_ptr().cast(), size_of::<T>()) };
    } else {
        // SAFETY: made by Box::leak of a Box<MaybeUninit<T>> in `allocate`.
        drop(unsafe { Box::from_raw(ptr.cast::<std::mem::MaybeUninit<T>>().as_ptr()) });
    }
}

/// Moves `value` into a pooled box (a plain `Box` for over-aligned or zero-sized types).
pub(crate) fn boxed<T>(value: T) -> NonNull<T> {
    let block = allocate::<T>();
    // SAFETY: the block is large enough and aligned for T (see `allocate`), and
    // uninitialised.
    unsafe { block.as_ptr().write(value) };
    block
}

/// Drops the value of a pooled box and gives its memory back.
///
/// # Safety
///
/// `ptr` must come from [`boxed::<T>`] (or a [`PoolBox`]) and not have been freed.
pub(crate) unsafe fn free<T>(ptr: NonNull<T>) {
    /// Gives the block back even if the value's destructor panics.
    struct Release<T>(NonNull<T>);
    impl<T> Drop for Release<T> {
        #[inline]
        fn drop(&mut self) {
            // SAFETY: the value was dropped (or its destructor unwound) just before.
            unsafe { deallocate(self.0) };
        }
    }
    let _release = Release(ptr);
    // SAFETY: the value was written by `boxed` and is dropped once (caller's contract).
    unsafe { ptr.as_ptr().drop_in_place() };
}

/// An owning pointer to a value in a pooled block: what `Box` is to the global heap, for
/// values created and dropped as often as coroutine frames (a fiber's cell).
pub(crate) struct PoolBox<T> {
    ptr: NonNull<T>,
    _owns: PhantomData<T>,
}

impl<T> PoolBox<T> {
    /// Allocates a block and has `init` write the value into it in place (a large value
    /// is then never copied).
    ///
    /// # Safety
    ///
    /// `init` must initialise the whole `T` at the pointer it is given (if it panics, the
    /// block is given back and nothing in it is dropped).
    pub(crate) unsafe fn new_in_place(init: impl FnOnce(*mut T)) -> Self {
        /// Gives the block back if `init` unwinds.
        struct Unwinding<T>(NonNull<T>);
        impl<T> Drop for Unwinding<T> {
            fn drop(&mut self) {
                // SAFETY: from `allocate`, not given back; nothing in it is dropped.
                unsafe { deallocate(self.0) };
            }
        }
        let block = allocate::<T>();
        let unwinding = Unwinding(block);
        init(block.as_ptr());
        std::mem::forget(unwinding);
        Self {
            ptr: block,
            _owns: PhantomData,
        }
    }
}

impl<T> std::ops::Deref for PoolBox<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: initialised by `new_in_place`, owned by us, alive until dropped.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T> std::ops::DerefMut for PoolBox<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`, and `&mut self` makes the access exclusive.
        unsafe { self.ptr.as_mut() }
    }
}

impl<T> Drop for PoolBox<T> {
    fn drop(&mut self) {
        // SAFETY: initialised by `new_in_place`, dropped once, here.
        unsafe { free(self.ptr) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn values_are_dropped_and_blocks_reused() {
        let marker = Rc::new(());
        for _ in 0..1_000 {
            let a = boxed((Rc::clone(&marker), [0u8; 40]));
            let b = boxed(Rc::clone(&marker));
            assert_eq!(Rc::strong_count(&marker), 3);
            // SAFETY: from `boxed`, freed once.
            unsafe {
                free(a);
                free(b);
            }
            assert_eq!(Rc::strong_count(&marker), 1);
        }
    }

    #[test]
    fn over_aligned_and_large_values() {
        #[repr(align(64))]
        struct Wide(u64);
        let wide = boxed(Wide(7));
        assert_eq!(wide.as_ptr() as usize % 64, 0);
        // SAFETY: from `boxed`.
        assert_eq!(unsafe { wide.as_ref() }.0, 7);
        // SAFETY: from `boxed`, freed once.
        unsafe { free(wide) };
        let large = boxed([3u8; 4096]);
        // SAFETY: from `boxed`.
        assert!(unsafe { large.as_ref() }.iter().all(|&b| b == 3));
        // SAFETY: from `boxed`, freed once.
        unsafe { free(large) };
    }

    /// False when `COROBRIDGE_FRAME_POOL=off` (as under valgrind, which then checks that
    /// every block goes back by its leak report instead).
    fn recycling() -> bool {
        !matches!(
            std::env::var("COROBRIDGE_FRAME_POOL").as_deref(),
            Ok("off" | "0")
        )
    }

    #[test]
    fn a_pool_box_is_built_in_place_dropped_once_and_its_block_reused() {
        let marker = Rc::new(());
        let mut first = 0;
        for round in 0..100 {
            // SAFETY: the closure writes the whole value.
            let boxed = unsafe {
                PoolBox::<(Rc<()>, [u64; 40])>::new_in_place(|slot| {
                    slot.write((Rc::clone(&marker), [round; 40]));
                })
            };
            assert_eq!(boxed.1[39], round);
            assert_eq!(Rc::strong_count(&marker), 2);
            let address = (&raw const *boxed).addr();
            if round == 0 {
                first = address;
            } else if recycling() {
                assert_eq!(address, first, "the freed block comes back");
            }
            drop(boxed);
            assert_eq!(Rc::strong_count(&marker), 1);
        }
    }

    #[test]
    fn a_pool_box_whose_init_panics_gives_its_block_back_and_drops_nothing() {
        let marker = Rc::new(());
        let lost = std::cell::Cell::new(0usize);
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // SAFETY: the closure panics before writing: nothing is read or dropped.
            unsafe {
                PoolBox::<(Rc<()>, [u8; 64])>::new_in_place(|slot| {
                    lost.set(slot.addr());
                    panic!("init failed")
                })
            }
        }));
        assert!(unwound.is_err());
        assert_eq!(Rc::strong_count(&marker), 1);
        // The block went back to this thread's pool: the next one of its size is it.
        // SAFETY: the closure writes the whole value.
        let next = unsafe {
            PoolBox::<(Rc<()>, [u8; 64])>::new_in_place(|slot| {
                slot.write((Rc::clone(&marker), [1; 64]));
            })
        };
        if recycling() {
            assert_eq!((&raw const *next).addr(), lost.get());
        }
        drop(next);
        assert_eq!(Rc::strong_count(&marker), 1);
    }
}
