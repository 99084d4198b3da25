//! Suspending the running fiber from Rust ([`yield_value`]) and from C++ ([`cpp_yield`],
//! behind `corobridge_rs_fiber_yield`).
//!
//! Values cross a switch through the fiber's typed slots (`Option<I>` for the resume
//! input, `Option<Y>` for the yielded value) or, from C++, as 64 bits in the fiber's
//! header (a scalar, or a view's address), so the switch itself carries only a
//! [`Suspension`] marker and is one non-generic code path.

use super::current::{self, Destroying, Header};
use super::suspension::Suspension;
use super::value;
use super::{FiberError, status};
use crate::ffi::fiber_abi::{COROBRIDGE_FIBER_VALUE_RUST, corobridge_fiber_resumed};

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
// (Always inlined: every frame between a suspend and the loop that yields returns right
// after the switch back, with its return address mispredicted, at about 10 ns a frame
// here; inlined, the yield costs the caller none of its own.)
#[inline(always)]
pub fn yield_value<I: 'static, Y: 'static>(value: Y) -> Result<I, FiberError> {
    // SAFETY: used only below, on the running fiber's stack.
    let Some(header) = (unsafe { current::current() }) else {
        return Err(FiberError::NotInFiber);
    };
    check_types::<I, Y>(header)?;
    header.continue_unwinding();
    // SAFETY: the yield slot is the fiber's `Option<Y>` (types checked above); nothing
    // else touches it while the fiber runs.
    unsafe { *header.yield_slot.get().cast::<Option<Y>>() = Some(value) };
    header.suspend(Suspension::Value);
    header.continue_unwinding();
    // SAFETY: the input slot is the fiber's `Option<I>`; the resume filled it.
    match unsafe { (*header.input_slot.get().cast::<Option<I>>()).take() } {
        Some(input) => Ok(input),
        None => Err(FiberError::NotPolled),
    }
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

/// A yield from C++ (`corobridge_rs_fiber_yield`): checks the kinds, leaves the yielded
/// value's bits for the resumer, switches out, and hands C++ the resume input's bits (or
/// says that the fiber was resumed only to be destroyed).
///
/// Nothing type-specific runs here: the resumer (monomorphised for the fiber's `Y`)
/// converts the bits while this frame is suspended, and C++ builds its value from the
/// input's bits, which the resume left in the header. A scalar travels in registers from
/// C++ to here and back, so a cross-language switch costs a Rust one plus the kind checks
/// and two header fields.
///
/// # Safety
///
/// `header` is the running fiber's; for a string or vector `yielded` the address of a
/// valid view which, with the data it points to, stays alive and unchanged until this call
/// returns.
#[inline]
pub(crate) unsafe fn cpp_yield(
    header: &Header,
    yielded_kind: u32,
    yielded: u64,
    resume_kind: u32,
) -> corobridge_fiber_resumed {
    // (The sentinel of a fiber C++ cannot yield in is two undefined kinds: the bound check
    // rejects them.)
    let status = if current::yield_kinds(yielded_kind, resume_kind) != header.types.cpp_yield_kinds
        || yielded_kind >= COROBRIDGE_FIBER_VALUE_RUST
    {
        kind_error(header, yielded_kind)
    } else if header.destroying.get() | header.is_unwinding() {
        status::UNWIND
    } else {
        header.yield_bits.set(yielded);
        header.suspend(Suspension::CppValue);
        if header.destroying.get() {
            // Resumed only to be destroyed: C++ unwinds its frames with `forced_unwind`,
            // and the fiber's base then continues the unwind in Rust, down to the root.
            header.carry_unwind(Box::new(Destroying));
            status::UNWIND
        } else {
            return corobridge_fiber_resumed {
                status: status::OK,
                input: header.input_bits.get(),
            };
        }
    };
    corobridge_fiber_resumed { status, input: 0 }
}

/// Which of a C++ yield's kinds is not the fiber's.
#[cold]
fn kind_error(header: &Header, yielded_kind: u32) -> std::ffi::c_int {
    let kinds = header.types.kinds;
    if yielded_kind != kinds.yielded || kinds.yielded == COROBRIDGE_FIBER_VALUE_RUST {
        status::YIELD_TYPE
    } else {
        status::RESUME_TYPE
    }
}

/// The waiting suspension of a fiber of types `I`, `Y` (see `SuspendPendingFn`).
// The type parameters are unused on purpose: they make each fiber type's copy of this
// function (and of the switch inlined into it) be generated in the crate creating the fiber.
#[allow(clippy::extra_unused_type_parameters)]
pub(crate) fn suspend_pending<I: 'static, Y: 'static>(header: &Header) {
    header.suspend(Suspension::Pending);
}
