//! Suspending the running fiber from Rust ([`yield_value`]) and from C++ ([`cpp_yield`],
//! behind `corobridge_rs_fiber_yield`).
//!
//! Values cross a switch through the fiber's typed slots (`Option<I>` for the resume
//! input, `Option<Y>` for the yielded value), so the switch itself carries only a
//! [`Suspension`] marker and is one non-generic code path.

use std::ffi::{c_int, c_void};

use super::current::{self, Destroying, Header};
use super::value;
use super::{FiberError, status};
use crate::ffi::fiber_abi::{
    COROBRIDGE_FIBER_VALUE_RUST, COROBRIDGE_FIBER_VALUE_UNIT, corobridge_fiber_read_fn,
    corobridge_fiber_value,
};

/// Why a fiber switched out (the value itself, if any, is in its yield slot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Suspension {
    /// A value is in the yield slot for `resume`'s caller.
    Value,
    /// Waiting for a future whose waker the poll's context received.
    Pending,
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
#[inline]
pub fn yield_value<I: 'static, Y: 'static>(value: Y) -> Result<I, FiberError> {
    // SAFETY: used only below, on the running fiber's stack.
    let header = unsafe { current::current() }.ok_or(FiberError::NotInFiber)?;
    check_types::<I, Y>(header)?;
    header.continue_unwinding();
    // SAFETY: the yield slot is the fiber's `Option<Y>` (types checked above); nothing
    // else touches it while the fiber runs.
    unsafe { *header.yield_slot.get().cast::<Option<Y>>() = Some(value) };
    header.suspend(Suspension::Value);
    header.continue_unwinding();
    // SAFETY: the input slot is the fiber's `Option<I>`; the resume filled it.
    unsafe { (*header.input_slot.get().cast::<Option<I>>()).take() }.ok_or(FiberError::NotPolled)
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

/// A yield from C++ (`corobridge_rs_fiber_yield`): checks the kinds, stores the yielded
/// value, switches out, and hands the resume input to C++ (or says that the fiber was
/// resumed only to be destroyed).
///
/// # Safety
///
/// `header` is the running fiber's; `yielded` a valid view; `read`/`out` a C++ reader of
/// `resume_kind` and its `std::optional` slot, or both null for `void`.
#[inline]
pub(crate) unsafe fn cpp_yield(
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
    if resume_kind != kinds.input
        || kinds.input == COROBRIDGE_FIBER_VALUE_RUST
        || (read.is_none() && kinds.input != COROBRIDGE_FIBER_VALUE_UNIT)
    {
        return status::RESUME_TYPE;
    }
    if header.destroying.get() || header.is_unwinding() {
        return status::UNWIND;
    }
    // SAFETY: the fiber's own converter for its yield slot; a valid view.
    if !unsafe { (header.store_yield)(header.yield_slot.get(), yielded) } {
        return status::YIELD_TYPE;
    }
    header.suspend(Suspension::Value);
    if header.destroying.get() {
        // Resumed only to be destroyed: C++ unwinds its frames with `forced_unwind`, and
        // the fiber's base then continues the unwind in Rust, down to the fiber's root.
        header.carry_unwind(Box::new(Destroying));
        return status::UNWIND;
    }
    // SAFETY: the fiber's own reader for its input slot, with C++'s reader of the kind
    // checked above.
    unsafe { (header.read_input)(header.input_slot.get(), read, out) }
}

/// Stores a C++ view in a fiber's `Option<Y>` yield slot.
///
/// # Safety
///
/// `slot` must be the fiber's `Option<Y>`; `view` valid.
pub(crate) unsafe fn store_yield<Y: 'static>(slot: *mut (), view: &corobridge_fiber_value) -> bool {
    // SAFETY: a valid view (caller's contract).
    match unsafe { value::from_view::<Y>(view) } {
        Some(value) => {
            // SAFETY: caller's contract.
            unsafe { *slot.cast::<Option<Y>>() = Some(value) };
            true
        }
        None => false,
    }
}

/// Hands the resume input in a fiber's `Option<I>` slot to a C++ reader.
///
/// # Safety
///
/// `slot` must be the fiber's `Option<I>`; `read`/`out` a C++ reader of `I`'s kind and its
/// slot, or a null reader (the input is then dropped).
pub(crate) unsafe fn read_input<I: 'static>(
    slot: *mut (),
    read: corobridge_fiber_read_fn,
    out: *mut c_void,
) -> c_int {
    // SAFETY: caller's contract.
    let Some(input) = (unsafe { (*slot.cast::<Option<I>>()).take() }) else {
        return status::NOT_POLLED;
    };
    let Some(read) = read else {
        return status::OK;
    };
    let view = value::view_of(&input);
    // SAFETY: C++ copies the view (of the kind it asked for) into its own object while
    // `input` is alive.
    if unsafe { read(&view, out) } == 0 {
        status::OK
    } else {
        status::READ_FAILED
    }
}

/// The waiting suspension of a fiber of types `I`, `Y` (see `SuspendPendingFn`).
// The type parameters are unused on purpose: they make each fiber type's copy of this
// function (and of the switch inlined into it) be generated in the crate creating the fiber.
#[allow(clippy::extra_unused_type_parameters)]
pub(crate) fn suspend_pending<I: 'static, Y: 'static>(header: &Header) {
    header.suspend(Suspension::Pending);
}
