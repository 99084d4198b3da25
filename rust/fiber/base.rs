//! The bottom of every fiber's stack: a C++ frame (`corobridge_cpp_fiber_run`) under the
//! Rust body.
//!
//! Whatever unwinds the fiber's stack passes it on the way out. A C++ exception that
//! escaped the fiber's C++ code stops there and becomes [`FiberError::Cpp`] (a C++
//! exception must not reach Rust's `catch_unwind`, which would abort). A
//! `corobridge::fiber::forced_unwind` (a destroyed fiber unwinding its C++ frames) stops
//! there too, and the Rust unwind it carries continues from here to corosensei's root. A
//! Rust panic passes through unchanged.

use std::ffi::c_void;
use std::ptr;

use corosensei::Yielder;

use super::asan::LastSwitchOut;
use super::current::Header;
use super::suspension::Suspension;
use super::{FiberError, status};
use crate::CppException;
use crate::error::ErrorSink;
use crate::ffi::fiber_abi::corobridge_cpp_fiber_run;

/// The body, its input and its output, on the fiber's stack while it runs.
struct BodyFrame<F, I, R> {
    body: Option<F>,
    input: Option<I>,
    output: Option<R>,
}

/// Runs a fiber's body on its stack.
///
/// # Safety
///
/// `header` must be the header of the fiber whose stack this is, alive for as long as the
/// fiber (it lives in the fiber's pooled cell, which outlives the coroutine), with an input
/// slot of type `Option<I>`.
pub(crate) unsafe fn run<F, I: 'static, R>(
    header: *const Header,
    yielder: &Yielder<(), Suspension>,
    body: F,
) -> Result<R, FiberError>
where
    F: FnOnce(I) -> R,
{
    // SAFETY: caller's contract.
    let header = unsafe { &*header };
    // Declared first, dropped last: the fiber's final switch out, however the body ends.
    let _last_switch = LastSwitchOut::first_arrival(&header.asan);
    header.started(yielder);
    // SAFETY: the input slot is the fiber's `Option<I>`, filled by the first resume.
    let input = unsafe { (*header.input_slot.get().cast::<Option<I>>()).take() };
    let mut frame = BodyFrame {
        body: Some(body),
        input,
        output: None,
    };
    let mut sink = ErrorSink::default();
    // SAFETY: `call_body::<F, I, R>` is given a `BodyFrame<F, I, R>` that outlives the
    // call; the sink outlives it too. Declared "C-unwind": a Rust panic comes back out.
    let code = unsafe {
        corobridge_cpp_fiber_run(
            Some(call_body::<F, I, R>),
            ptr::from_mut(&mut frame).cast(),
            sink.as_abi(),
        )
    };
    // A forced unwind (or a panic) that C++ carried here as `forced_unwind`, or that a
    // C++ `catch (...)` swallowed: continue it in Rust, down to corosensei's root.
    header.continue_unwinding();
    match (code, frame.output.take()) {
        (status::OK, Some(output)) => Ok(output),
        (status::CPP_EXCEPTION, _) => Err(FiberError::Cpp(sink.into_exception())),
        _ => Err(FiberError::Cpp(CppException::new(
            "corobridge::fiber::forced_unwind",
            "a forced_unwind reached the fiber's base although the fiber was not being \
             destroyed (only corobridge throws it)",
        ))),
    }
}

/// Called by the C++ base frame with the `BodyFrame`.
///
/// # Safety
///
/// `context` must point to a live `BodyFrame<F, I, R>`.
unsafe extern "C-unwind" fn call_body<F: FnOnce(I) -> R, I, R>(context: *mut c_void) {
    // SAFETY: caller's contract.
    let frame = unsafe { &mut *context.cast::<BodyFrame<F, I, R>>() };
    if let (Some(body), Some(input)) = (frame.body.take(), frame.input.take()) {
        frame.output = Some(body(input));
    }
}
