//! The `corobridge_rs_fiber_*` functions of `include/corobridge/detail/fiber_abi.h`, implemented in Rust for C++.
//!
//! The yield and the waits are `extern "C-unwind"` (declared so by bindgen too), though
//! none lets a Rust unwind reach C++ on purpose: the forced unwind of a fiber destroyed
//! while suspended in them is caught here, kept in the fiber, and reported as
//! `COROBRIDGE_FIBER_UNWIND`, so that C++ unwinds its own frames with a C++ exception
//! (`corobridge::fiber::forced_unwind`) whose loss to a `catch (...)` can be detected.

use std::ffi::c_int;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use crate::error::ErrorSink;
use crate::ffi::abi::{corobridge_error_sink, corobridge_task};
use crate::ffi::fiber_abi::{corobridge_fiber, corobridge_fiber_kinds, corobridge_fiber_resumed};
use crate::fiber::{self, FiberError, Header, status};
use crate::{CppException, CppTask, Error};

/// The running fiber, for a call made on its stack.
fn running<'a>() -> Option<&'a Header> {
    // SAFETY: these functions are called by C++ code running on the fiber's stack, and use
    // the header only during the call.
    unsafe { crate::fiber::current_header() }
}

/// # Safety
///
/// None: reads this thread's running fiber.
#[unsafe(no_mangle)]
pub extern "C" fn corobridge_rs_fiber_current() -> *mut corobridge_fiber {
    running().map_or(std::ptr::null_mut(), |header| {
        std::ptr::from_ref(header).cast_mut().cast()
    })
}

/// # Safety
///
/// `out` must be valid for writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_fiber_kinds(out: *mut corobridge_fiber_kinds) -> c_int {
    let Some(header) = running() else {
        return status::NOT_IN_FIBER;
    };
    // SAFETY: forwarded contract.
    if let Some(out) = unsafe { out.as_mut() } {
        *out = header.types.kinds;
    }
    status::OK
}

/// # Safety
///
/// For a string or byte vector, `yielded` must be the address of a valid view which, with
/// its data, stays alive and unchanged until this call returns.
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn corobridge_rs_fiber_yield(
    yielded_kind: u32,
    yielded: u64,
    resume_kind: u32,
) -> corobridge_fiber_resumed {
    let Some(header) = running() else {
        return corobridge_fiber_resumed {
            status: status::NOT_IN_FIBER,
            input: 0,
        };
    };
    // SAFETY: the running fiber's header, on its stack; the rest forwarded.
    unsafe { fiber::cpp_yield(header, yielded_kind, yielded, resume_kind) }
}

/// Runs a wait from C++: the forced unwind of a destroyed fiber is kept in the fiber and
/// reported as `UNWIND` (the future was dropped on the way, inside the wait).
fn wait_from_cpp<T>(
    header: &Header,
    wait: impl FnOnce() -> Result<T, FiberError>,
) -> Result<Result<T, FiberError>, c_int> {
    if header.is_unwinding() {
        return Err(status::UNWIND);
    }
    catch_unwind(AssertUnwindSafe(wait)).map_err(|payload| {
        header.carry_unwind(payload);
        status::UNWIND
    })
}

fn wait_status(error: &FiberError) -> c_int {
    match error {
        FiberError::NotInFiber => status::NOT_IN_FIBER,
        FiberError::NoExecutor => status::NO_EXECUTOR,
        _ => status::NOT_POLLED,
    }
}

/// # Safety
///
/// None: called on a fiber's stack (or anywhere, which is reported).
#[unsafe(no_mangle)]
pub extern "C-unwind" fn corobridge_rs_fiber_sleep(ns: i64) -> c_int {
    let Some(header) = running() else {
        return status::NOT_IN_FIBER;
    };
    let duration = Duration::from_nanos(u64::try_from(ns).unwrap_or(0));
    match wait_from_cpp(header, || fiber::sleep(duration)) {
        Ok(Ok(())) => status::OK,
        Ok(Err(error)) => wait_status(&error),
        Err(code) => code,
    }
}

/// # Safety
///
/// `task` must be an unstarted `corobridge::task<void>` (ownership passes here); `sink`
/// null or an error sink.
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn corobridge_rs_fiber_await_task(
    task: corobridge_task,
    sink: *mut corobridge_error_sink,
) -> c_int {
    // SAFETY: forwarded contract: an unstarted task<void>, which `()` pairs with.
    let task = unsafe { CppTask::<()>::from_raw_parts(task.frame, task.state) };
    let Some(header) = running() else {
        return status::NOT_IN_FIBER;
    };
    let outcome = wait_from_cpp(header, move || fiber::await_future(task));
    let exception = match outcome {
        Ok(Ok(Ok(()))) => return status::OK,
        Ok(Ok(Err(Error::ExecutorGone))) => return status::EXECUTOR_GONE,
        Ok(Ok(Err(Error::Cpp(exception)))) => exception,
        Ok(Ok(Err(other))) => CppException::new("corobridge::Error", other.to_string()),
        Ok(Err(error)) => return wait_status(&error),
        Err(code) => return code,
    };
    // SAFETY: forwarded contract.
    if let Some(sink) = unsafe { sink.cast::<ErrorSink>().as_mut() } {
        sink.exception = Some(exception);
    }
    status::CPP_EXCEPTION
}

/// # Safety
///
/// `fiber` must be null or a fiber that exists (the one being destroyed).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_fiber_unwind_swallowed(fiber: *mut corobridge_fiber) {
    // SAFETY: forwarded contract: a fiber's header, alive while it is being destroyed.
    if let Some(header) = unsafe { fiber.cast::<Header>().as_ref() } {
        header.swallowed.set(true);
    }
}

/// Every definition above has exactly the type of its bindgen-generated declaration.
#[allow(dead_code)]
const _: () = {
    macro_rules! same_signature {
        ($abi:literal $($name:ident: $($arg:ty),* => $ret:ty;)*) => {$(
            let _: unsafe extern $abi fn($($arg),*) -> $ret = crate::ffi::fiber_abi::$name;
            let _: unsafe extern $abi fn($($arg),*) -> $ret = $name;
        )*};
    }
    same_signature! { "C"
        corobridge_rs_fiber_current: => *mut corobridge_fiber;
        corobridge_rs_fiber_kinds: *mut corobridge_fiber_kinds => c_int;
        corobridge_rs_fiber_unwind_swallowed: *mut corobridge_fiber => ();
    }
    same_signature! { "C-unwind"
        corobridge_rs_fiber_yield: u32, u64, u32 => corobridge_fiber_resumed;
        corobridge_rs_fiber_sleep: i64 => c_int;
        corobridge_rs_fiber_await_task: corobridge_task, *mut corobridge_error_sink => c_int;
    }
};
