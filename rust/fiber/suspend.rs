//! Suspending the running fiber from Rust ([`yield_value`]) and from C++ (the typed
//! implementation behind `corobridge_rs_fiber_yield`).

use std::ffi::{c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};

use corosensei::Yielder;

use super::current::{self, Header};
use super::value;
use super::{FiberError, status};
use crate::ffi::fiber_abi::{
    COROBRIDGE_FIBER_VALUE_RUST, COROBRIDGE_FIBER_VALUE_UNIT, corobridge_fiber_read_fn,
    corobridge_fiber_value,
};

/// What a fiber hands to its resumer when it suspends.
pub(crate) enum Suspension<Y> {
    /// A value for `resume`'s caller.
    Value(Y),
    /// Waiting for a future whose waker the poll's context received.
    Pending,
}

/// The running fiber's yielder, typed.
///
/// # Safety
///
/// The fiber's input and yield types must be `I` and `Y`, and its body must have started.
unsafe fn yielder<'a, I, Y>(header: &Header) -> &'a Yielder<I, Suspension<Y>> {
    // SAFETY: set by the body to its `&Yielder<I, Suspension<Y>>` (caller's contract),
    // which lives at a fixed place of the fiber's stack for as long as the fiber.
    unsafe { &*header.yielder.get().cast::<Yielder<I, Suspension<Y>>>() }
}

/// True if this code runs inside a fiber (on a [`Fiber`](crate::Fiber)'s stack).
///
/// ```
/// use corobridge::{Fiber, fiber};
///
/// assert!(!fiber::in_fiber());
/// let inside = Fiber::<(), (), bool>::new(|()| fiber::in_fiber()).unwrap();
/// assert_eq!(inside.resume(()).unwrap().returned(), Some(true));
/// ```
pub fn in_fiber() -> bool {
    !current::current_ptr().is_null()
}

/// Suspends the running fiber from any depth of Rust (or Rust called from C++), handing
/// `value` to whoever resumed it; returns the next resume's input.
///
/// `I` and `Y` must be the running fiber's input and yield types (checked at run time,
/// an error otherwise). Inside a fiber polled as a future (`Fiber<(), (), R>`),
/// `yield_value::<(), ()>(())` lets the executor run other ready work first.
///
/// ```
/// use corobridge::{Fiber, FiberStep, fiber};
///
/// fn deep(n: i32) -> i32 {
///     // Ordinary Rust, several calls below the fiber's body.
///     fiber::yield_value::<i32, i32>(n).unwrap()
/// }
///
/// let f = Fiber::<i32, i32, i32>::new(|first| deep(first) + 1).unwrap();
/// assert_eq!(f.resume(10).unwrap(), FiberStep::Yielded(10));
/// assert_eq!(f.resume(41).unwrap(), FiberStep::Returned(42));
/// ```
///
/// # Errors
///
/// [`FiberError::NotInFiber`] outside a fiber, [`FiberError::TypeMismatch`] if `I` or `Y`
/// is not the fiber's.
///
/// # Panics
///
/// When the fiber is destroyed while suspended here, this unwinds (a panic that the
/// fiber's base stops) so that every frame above runs its destructors: let it propagate.
pub fn yield_value<I: 'static, Y: 'static>(value: Y) -> Result<I, FiberError> {
    // SAFETY: used only below, on the running fiber's stack.
    let header = unsafe { current::current() }.ok_or(FiberError::NotInFiber)?;
    check_types::<I, Y>(header)?;
    header.continue_unwinding();
    // SAFETY: the types were just checked; the body started (it is running this code).
    let yielder = unsafe { yielder::<I, Y>(header) };
    Ok(yielder.suspend(Suspension::Value(value)))
}

fn check_types<I: 'static, Y: 'static>(header: &Header) -> Result<(), FiberError> {
    let types = &header.types;
    if types.yielded != std::any::TypeId::of::<Y>() {
        return Err(FiberError::TypeMismatch {
            what: "yielded",
            expected: types.yielded_name,
            found: value::name_of::<Y>(),
        });
    }
    if types.input != std::any::TypeId::of::<I>() {
        return Err(FiberError::TypeMismatch {
            what: "resume",
            expected: types.input_name,
            found: value::name_of::<I>(),
        });
    }
    Ok(())
}

/// A yield from C++ (`corobridge_rs_fiber_yield`) for a fiber of types `I` and `Y`.
///
/// # Safety
///
/// `header` is the running fiber's, of input type `I` and yield type `Y`; `yielded` is
/// a valid view; `read`/`out` are what `corobridge::fiber::yield` passes.
pub(crate) unsafe fn cpp_yield<I: 'static, Y: 'static>(
    header: &Header,
    yielded: &corobridge_fiber_value,
    resume_kind: u32,
    read: corobridge_fiber_read_fn,
    out: *mut c_void,
) -> c_int {
    let kinds = header.types.kinds;
    if yielded.kind != kinds.yielded || kinds.yielded == COROBRIDGE_FIBER_VALUE_RUST {
        return status::YIELD_TYPE;
    }
    if resume_kind != kinds.input || kinds.input == COROBRIDGE_FIBER_VALUE_RUST {
        return status::RESUME_TYPE;
    }
    if read.is_none() && kinds.input != COROBRIDGE_FIBER_VALUE_UNIT {
        return status::RESUME_TYPE;
    }
    // SAFETY: a valid view (caller's contract).
    let Some(value) = (unsafe { value::from_view::<Y>(yielded) }) else {
        return status::YIELD_TYPE;
    };
    if header.is_unwinding() {
        return status::UNWIND;
    }
    // SAFETY: the fiber's types are I and Y (caller's contract); its body is running.
    let yielder = unsafe { yielder::<I, Y>(header) };
    // The only panic that can leave `suspend` is the forced unwind of a fiber destroyed
    // while suspended here: C++ carries it on as `forced_unwind`.
    let input = match catch_unwind(AssertUnwindSafe(|| {
        yielder.suspend(Suspension::Value(value))
    })) {
        Ok(input) => input,
        Err(payload) => {
            header.unwinding.set(Some(payload));
            return status::UNWIND;
        }
    };
    match read {
        None => status::OK,
        Some(read) => {
            let view = value::view_of(&input);
            // SAFETY: C++ reads the view (of the kind it asked for) into its own object
            // while `input` is alive.
            if unsafe { read(&view, out) } == 0 {
                status::OK
            } else {
                status::READ_FAILED
            }
        }
    }
}

/// Suspends the running fiber of types `I` and `Y` until its next poll (it waits for a
/// future whose waker the poll's context has).
///
/// # Safety
///
/// `header` is the running fiber's, of types `I` and `Y`.
pub(crate) unsafe fn suspend_pending<I: 'static, Y: 'static>(header: &Header) {
    // SAFETY: caller's contract.
    let yielder = unsafe { yielder::<I, Y>(header) };
    // A fiber waits only while polled, and polled fibers take `()` as input.
    drop(yielder.suspend(Suspension::Pending));
}
