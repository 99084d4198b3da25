//! The seed's stackful example (seed/coroutine.md, "Stackful Coroutines"), with the deep
//! call chain written in C++ (`lab/cpp/fiber_seed.cpp`) and the fiber driven from Rust.
//!
//! ```
//! use corobridge::FiberStep;
//! use corobridge_lab::fiber_seed as seed;
//!
//! let fiber = seed::coroutine_function().unwrap();
//! assert_eq!(fiber.resume(()).unwrap(), FiberStep::Yielded(())); // inside deep_function_call
//! assert_eq!(fiber.resume(()).unwrap(), FiberStep::Yielded(())); // in coroutine_function
//! let report = fiber.resume(()).unwrap().returned().unwrap();
//! assert_eq!(report.message, "local_var is still 42");
//! ```

use std::ffi::CStr;
use std::ptr;

use corobridge::{Fiber, FiberError};

use crate::fiber_seed_abi::{corobridge_seed_coroutine_function, corobridge_seed_stackful_report};

/// What the seed's `coroutine_function` observed after its yields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackfulReport {
    /// `local_var`, read after both yields (the seed prints "local_var is still 42").
    pub local_var: i32,
    /// Whether the function's 1 KiB local array kept its contents across the yields.
    pub array_intact: bool,
    /// Yields made: one from inside `deep_function_call`, one from `coroutine_function`.
    pub yields: i32,
    /// The seed's output line: "local_var is still 42".
    pub message: String,
}

/// A fiber running the seed's C++ `coroutine_function`: it keeps `int local_var = 42` and
/// a 1 KiB array on the fiber's stack, calls `deep_function_call()` (an ordinary C++
/// function, which yields), yields itself, and finally reports what it sees.
///
/// # Errors
///
/// [`FiberError::Stack`] if no stack could be mapped.
pub fn coroutine_function() -> Result<Fiber<(), (), StackfulReport>, FiberError> {
    Fiber::new(|()| {
        // SAFETY: all-zero is a valid report.
        let mut report: corobridge_seed_stackful_report = unsafe { std::mem::zeroed() };
        // SAFETY: runs on this fiber's stack (declared "C-unwind": a drop mid-way unwinds
        // its C++ frames); `report` outlives the call.
        unsafe { corobridge_seed_coroutine_function(ptr::from_mut(&mut report).cast()) };
        let bytes: Vec<u8> = report.message.iter().map(|&c| c.to_ne_bytes()[0]).collect();
        let message = CStr::from_bytes_until_nul(&bytes)
            .map(|m| m.to_string_lossy().into_owned())
            .unwrap_or_default();
        StackfulReport {
            local_var: report.local_var,
            array_intact: report.array_intact != 0,
            yields: report.yields,
            message,
        }
    })
}
