//! Stackful fibers that Rust and C++ code suspend across.
//!
//! A [`Fiber`] runs a body on a stack of its own (corosensei underneath, stacks from a
//! bounded per-thread [`StackPool`]). Inside it, both languages can suspend from any depth
//! of ordinary calls, keeping every Rust and C++ frame in between:
//!
//! - Rust: [`yield_value`], and the blocking-style waits [`await_future`] (any future: a
//!   Rust future, a C++ [`CppTask`](crate::CppTask), another fiber) and [`sleep`];
//! - C++ (`#include "corobridge/fiber.hpp"`): `corobridge::fiber::yield(v)`,
//!   `fiber::await(task)`, `fiber::sleep_for(16ms)`.
//!
//! Values cross both ways (resume input, yielded value, return value); `()`, `bool`,
//! `i32`, `i64`, `u64`, `f64`, `String` and `Vec<u8>` also to and from C++.
//!
//! A `Fiber<(), (), R>` is a `Future`, so stackful and stackless code call each other:
//! async Rust `.await`s a fiber, and a fiber waits for futures and C++ tasks.
//!
//! Guarantees: dropping a suspended fiber unwinds its stack through C++ frames (their
//! destructors run); a panic or a C++ exception in a fiber comes back to the resumer as
//! an `Err`; each fiber has its own C++ exception state (`std::current_exception()`,
//! `std::uncaught_exceptions()`); a stack overflow stops the process with a diagnostic
//! naming the fiber's stack size; misuse is a [`FiberError`].
//!
//! Thread rules: fibers are not `Send` (their stacks hold frames of the thread that runs
//! them, its thread-local addresses and C++ exception state); create, resume and drop a
//! fiber on one thread. A pointer to a thread-local taken inside a fiber would be stale on
//! another thread, which is one reason why fibers never migrate.
//!
//! From C++ called inside a fiber, declare the C++ functions `extern "C-unwind"` in Rust
//! (bindgen's `override_abi`, as `tools/bindings` does for corobridge's own headers): a destroyed
//! fiber unwinds C++ frames with `corobridge::fiber::forced_unwind`, which an `extern "C"`
//! boundary would turn into an abort.

mod asan;
mod base;
mod builder;
mod cpp_await;
mod current;
mod error;
mod exception_state;
mod handle;
mod overflow;
mod slab;
mod stack;
mod stack_pool;
mod suspend;
mod suspension;
mod value;
mod wait;

pub use self::builder::FiberBuilder;
pub use self::error::FiberError;
pub use self::handle::{Fiber, FiberStep};
pub use self::stack::StackLayout;
pub use self::stack_pool::{DEFAULT_MAX_CACHED, DEFAULT_STACK_SIZE, PoolStats, StackPool};
pub use self::suspend::{in_fiber, yield_value};
pub use self::wait::{await_future, sleep};

pub(crate) use self::current::Header;
pub(crate) use self::suspend::cpp_yield;

/// The status codes of the C ABI (`COROBRIDGE_FIBER_*` in detail/fiber_abi.h), as `c_int`.
pub(crate) mod status {
    use std::ffi::c_int;

    use crate::ffi::fiber_abi as abi;

    macro_rules! codes {
        ($($name:ident = $value:ident;)*) => {$(
            #[allow(clippy::cast_possible_wrap)]
            pub(crate) const $name: c_int = abi::$value as c_int;
        )*};
    }
    codes! {
        OK = COROBRIDGE_FIBER_OK;
        NOT_IN_FIBER = COROBRIDGE_FIBER_NOT_IN_FIBER;
        YIELD_TYPE = COROBRIDGE_FIBER_YIELD_TYPE;
        RESUME_TYPE = COROBRIDGE_FIBER_RESUME_TYPE;
        UNWIND = COROBRIDGE_FIBER_UNWIND;
        NOT_POLLED = COROBRIDGE_FIBER_NOT_POLLED;
        NO_EXECUTOR = COROBRIDGE_FIBER_NO_EXECUTOR;
        CPP_EXCEPTION = COROBRIDGE_FIBER_CPP_EXCEPTION;
        EXECUTOR_GONE = COROBRIDGE_FIBER_EXECUTOR_GONE;
    }
}

/// The running fiber's header, for the C ABI.
///
/// # Safety
///
/// As [`current::current`]: use it only during a call made on that fiber's stack.
#[inline]
pub(crate) unsafe fn current_header<'a>() -> Option<&'a Header> {
    // SAFETY: forwarded contract.
    unsafe { current::current() }
}
