//! A bare corosensei switch made through plain call chains: the floor of a fiber switch in
//! a given call shape.
//!
//! After a stack switch, the CPU's predictions of return addresses (its return stack
//! buffer) hold the other stack's callers, so every return made after the switch and before
//! the next call is mispredicted. A fiber's cost therefore depends on how many frames each
//! side returns through between two switches, and a bare switch with no frames around it
//! is not that cost's floor. These chains return through exactly as many frames as asked,
//! doing nothing else, so a fiber's figure can be set against corosensei's own in the
//! same call shape.
//!
//! ```
//! use corobridge_lab::switch_shape::{resume_through, suspend_through};
//! use corosensei::Coroutine;
//!
//! let mut shaped = Coroutine::<u32, u32, ()>::new(|yielder, mut value| {
//!     while value != 0 {
//!         value = suspend_through(yielder, 2, value + 1);
//!     }
//! });
//! assert_eq!(resume_through(&mut shaped, 3, 1), Some(2));
//! assert_eq!(resume_through(&mut shaped, 3, 0), None); // the body returned
//! ```

use corosensei::{Coroutine, CoroutineResult, Yielder};
use std::hint::black_box;

/// Suspends `yielder`'s coroutine with `value` from `frames` frames deep (at least one),
/// each returning after the switch back; returns the next resume's input.
#[inline(never)]
pub fn suspend_through(yielder: &Yielder<u32, u32>, frames: u32, value: u32) -> u32 {
    let next = if frames <= 1 {
        yielder.suspend(value)
    } else {
        suspend_through(yielder, frames - 1, value)
    };
    // Keeps the call out of tail position: this frame returns after the switch.
    black_box(());
    next
}

/// Resumes `coroutine` with `value` from `frames` frames deep (at least one), each
/// returning after the switch back; returns what it yielded (None once it returned).
#[inline(never)]
pub fn resume_through(
    coroutine: &mut Coroutine<u32, u32, ()>,
    frames: u32,
    value: u32,
) -> Option<u32> {
    let yielded = if frames <= 1 {
        match coroutine.resume(value) {
            CoroutineResult::Yield(next) => Some(next),
            CoroutineResult::Return(()) => None,
        }
    } else {
        resume_through(coroutine, frames - 1, value)
    };
    black_box(());
    yielded
}
