//! Boxes in the per-thread frame pool that C++ coroutine frames come from
//! (`include/corobridge/detail/frame_pool.hpp`): the boxed Rust futures and streams handed
//! to C++ are created and dropped as often as C++ frames, and recycle the same way.

use std::alloc::{Layout, handle_alloc_error};
use std::ptr::NonNull;

use crate::ffi::abi::{corobridge_cpp_frame_alloc, corobridge_cpp_frame_free};

/// True if values of `T` can live in the pool (its blocks are 16-byte aligned).
const fn poolable<T>() -> bool {
    align_of::<T>() <= 16 && size_of::<T>() > 0
}

/// Moves `value` into a pooled box (a plain `Box` for over-aligned or zero-sized types).
pub(crate) fn boxed<T>(value: T) -> NonNull<T> {
    if !poolable::<T>() {
        return NonNull::from(Box::leak(Box::new(value)));
    }
    // SAFETY: plain allocation call; a non-null result is a block of at least
    // size_of::<T>() bytes, 16-byte aligned, owned by us.
    let block = unsafe { corobridge_cpp_frame_alloc(size_of::<T>()) };
    let Some(block) = NonNull::new(block.cast::<T>()) else {
        handle_alloc_error(Layout::new::<T>())
    };
    // SAFETY: the block is large enough and aligned for T (see above), and uninitialised.
    unsafe { block.as_ptr().write(value) };
    block
}

/// Drops the value of a pooled box and gives its memory back.
///
/// # Safety
///
/// `ptr` must come from [`boxed::<T>`] and not have been freed.
pub(crate) unsafe fn free<T>(ptr: NonNull<T>) {
    if !poolable::<T>() {
        // SAFETY: made by Box::leak in `boxed` (caller's contract).
        drop(unsafe { Box::from_raw(ptr.as_ptr()) });
        return;
    }
    /// Gives the block back even if the value's destructor panics.
    struct Release(*mut std::ffi::c_void, usize);
    impl Drop for Release {
        #[inline]
        fn drop(&mut self) {
            // SAFETY: the block came from corobridge_cpp_frame_alloc with this size.
            unsafe { corobridge_cpp_frame_free(self.0, self.1) };
        }
    }
    let _release = Release(ptr.as_ptr().cast(), size_of::<T>());
    // SAFETY: the value was written by `boxed` and is dropped once (caller's contract).
    unsafe { ptr.as_ptr().drop_in_place() };
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
}
