//! C++ code that runs inside fibers (`tests/support/cpp/fiber_scenarios.cpp`), for the cross-language
//! fiber tests (`tests/fiber_*.rs`) and the fiber benchmark.
//!
//! Each function calls its C++ scenario through `extern "C-unwind"` and must be called from
//! inside a [`Fiber`](corobridge::Fiber) whose types match what the scenario yields (outside
//! any fiber it returns [`FiberError::NotInFiber`] without calling C++). A C++ exception
//! the scenario lets escape unwinds to the fiber's base and ends the fiber with
//! [`FiberError::Cpp`].
//!
//! ```
//! use corobridge::{Fiber, FiberStep};
//! use corobridge_testkit::fiber_scenarios as scenarios;
//!
//! // C++ yields `v + 1` from 10 ordinary calls deep, then gets the next resume's input.
//! let counters = scenarios::Counters::new();
//! let c = counters.clone();
//! let f = Fiber::<i32, i32, i32>::new(move |start| {
//!     scenarios::yield_at_depth(10, start, 2, &c).unwrap()
//! })
//! .unwrap();
//! assert_eq!(f.resume(0).unwrap(), FiberStep::Yielded(1));
//! assert_eq!(counters.alive(), 10); // ten C++ frames with a guard each, suspended
//! assert_eq!(f.resume(5).unwrap(), FiberStep::Yielded(6));
//! assert_eq!(f.resume(9).unwrap(), FiberStep::Returned(9));
//! assert_eq!(counters.alive(), 0);
//! ```

use std::cell::UnsafeCell;
use std::ffi::{CString, c_void};
use std::mem::MaybeUninit;
use std::ptr;
use std::rc::Rc;

use crate::fiber_scenarios_abi as abi;
use corobridge::FiberError;
use corobridge::fiber::in_fiber;

/// Counts C++ guards (locals with a destructor) constructed and destroyed by scenarios.
#[derive(Default)]
pub struct Counters {
    inner: UnsafeCell<abi::corobridge_fiber_counters>,
}

impl std::fmt::Debug for Counters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Counters")
            .field("constructed", &self.constructed())
            .field("destroyed", &self.destroyed())
            .finish()
    }
}

impl Counters {
    /// New counters at zero, to share with a fiber.
    pub fn new() -> Rc<Self> {
        Rc::new(Self::default())
    }

    fn read(&self) -> abi::corobridge_fiber_counters {
        // SAFETY: C++ updates the counters only on this thread, during scenario calls; no
        // reference to them is held across those calls.
        unsafe { self.inner.get().read() }
    }

    /// Guards constructed.
    pub fn constructed(&self) -> i64 {
        self.read().constructed
    }

    /// Guards destroyed.
    pub fn destroyed(&self) -> i64 {
        self.read().destroyed
    }

    /// Guards alive now (constructed and not yet destroyed).
    pub fn alive(&self) -> i64 {
        let counters = self.read();
        counters.constructed - counters.destroyed
    }

    fn as_ptr(&self) -> *mut abi::corobridge_fiber_counters {
        self.inner.get()
    }
}

fn inside<T>(call: impl FnOnce() -> T) -> Result<T, FiberError> {
    if in_fiber() {
        Ok(call())
    } else {
        Err(FiberError::NotInFiber)
    }
}

/// Recurses `depth` C++ calls (a guard in each), then `rounds` times yields `v + 1` and
/// takes the next input as `v` (from `start`); returns the last `v`. Negative `rounds`:
/// forever. For a `Fiber<i32, i32, _>`.
pub fn yield_at_depth(
    depth: i32,
    start: i32,
    rounds: i32,
    counters: &Counters,
) -> Result<i32, FiberError> {
    // SAFETY: on a fiber's stack; the counters outlive the call.
    inside(|| unsafe {
        abi::corobridge_fiber_scn_yield_at_depth(depth, start, rounds, counters.as_ptr())
    })
}

/// Like [`yield_at_depth`], but each step calls `switch(v + 1)`, a plain Rust closure,
/// from the innermost C++ frame instead of `corobridge::fiber::yield`: the fiber bench's
/// baseline, where the closure suspends a raw corosensei coroutine. Runs anywhere (no
/// corobridge fiber needed). A negative value from `switch` ends the loop (also when
/// `rounds` is negative, endless): a raw coroutine suspended in it can so finish instead
/// of being unwound through C++ frames on a stack AddressSanitizer was not told of.
///
/// ```
/// use corobridge_testkit::fiber_scenarios::{self as scenarios, Counters};
///
/// let counters = Counters::new();
/// let mut calls = Vec::new();
/// let last = scenarios::switch_at_depth(10, 0, 3, &mut |v| { calls.push(v); v * 2 }, &counters);
/// assert_eq!(calls, [1, 3, 7]);
/// assert_eq!(last, 14);
/// assert_eq!(counters.alive(), 0);
/// ```
pub fn switch_at_depth<F: FnMut(i32) -> i32>(
    depth: i32,
    start: i32,
    rounds: i32,
    switch: &mut F,
    counters: &Counters,
) -> i32 {
    /// Calls the closure behind `context`.
    ///
    /// # Safety
    ///
    /// `context` must be the `&mut F` passed below, alive for the call.
    unsafe extern "C-unwind" fn call<F: FnMut(i32) -> i32>(
        context: *mut c_void,
        value: i32,
    ) -> i32 {
        // SAFETY: caller's contract.
        let switch = unsafe { &mut *context.cast::<F>() };
        switch(value)
    }
    // SAFETY: `call::<F>` gets the closure it was written for, which outlives the call, as
    // do the counters; a panic in the closure unwinds through the C++ frames ("C-unwind").
    unsafe {
        abi::corobridge_fiber_scn_switch_at_depth(
            depth,
            start,
            rounds,
            Some(call::<F>),
            ptr::from_mut(switch).cast(),
            counters.as_ptr(),
        )
    }
}

/// `rounds` unit yields from three C++ calls deep; returns `rounds`. For `Fiber<(), (), _>`.
pub fn echo_unit(rounds: i32) -> Result<i32, FiberError> {
    // SAFETY: on a fiber's stack.
    inside(|| unsafe { abi::corobridge_fiber_scn_echo_unit(rounds) })
}

/// `rounds` times: yields the value from C++, takes the input and negates it.
pub fn echo_bool(first: bool, rounds: i32) -> Result<bool, FiberError> {
    // SAFETY: on a fiber's stack.
    inside(|| unsafe { abi::corobridge_fiber_scn_echo_bool(first, rounds) })
}

/// `rounds` times: yields the value from C++, takes the input and doubles it.
pub fn echo_i32(first: i32, rounds: i32) -> Result<i32, FiberError> {
    // SAFETY: on a fiber's stack.
    inside(|| unsafe { abi::corobridge_fiber_scn_echo_i32(first, rounds) })
}

/// `rounds` times: yields the value from C++, takes the input and negates it.
pub fn echo_i64(first: i64, rounds: i32) -> Result<i64, FiberError> {
    // SAFETY: on a fiber's stack.
    inside(|| unsafe { abi::corobridge_fiber_scn_echo_i64(first, rounds) })
}

/// `rounds` times: yields the value from C++, takes the input plus one.
pub fn echo_u64(first: u64, rounds: i32) -> Result<u64, FiberError> {
    // SAFETY: on a fiber's stack.
    inside(|| unsafe { abi::corobridge_fiber_scn_echo_u64(first, rounds) })
}

/// `rounds` times: yields the value from C++, takes half the input.
pub fn echo_f64(first: f64, rounds: i32) -> Result<f64, FiberError> {
    // SAFETY: on a fiber's stack.
    inside(|| unsafe { abi::corobridge_fiber_scn_echo_f64(first, rounds) })
}

/// `rounds` times: yields the value as a `std::string`, takes the input plus "!".
pub fn echo_string(first: &str, rounds: i32) -> Result<String, FiberError> {
    inside(|| {
        let mut out = MaybeUninit::<String>::uninit();
        // SAFETY: on a fiber's stack; C++ writes a String into `out` before returning
        // normally (an exception or unwind leaves it unwritten and never reaches the read).
        unsafe {
            abi::corobridge_fiber_scn_echo_string(
                first.as_ptr().cast(),
                first.len(),
                rounds,
                out.as_mut_ptr().cast(),
            );
            out.assume_init()
        }
    })
}

/// `rounds` times: yields the bytes as a `std::vector<std::uint8_t>`, takes the input with
/// its length appended.
pub fn echo_bytes(first: &[u8], rounds: i32) -> Result<Vec<u8>, FiberError> {
    inside(|| {
        let mut out = MaybeUninit::<Vec<u8>>::uninit();
        // SAFETY: as in `echo_string`.
        unsafe {
            abi::corobridge_fiber_scn_echo_bytes(
                first.as_ptr(),
                first.len(),
                rounds,
                out.as_mut_ptr().cast(),
            );
            out.assume_init()
        }
    })
}

/// Yields `()` from C++, then throws: kind 0 a `std::runtime_error("thrown after a
/// yield")`, otherwise the int 42.
pub fn throw_after_yield(kind: i32) -> Result<i32, FiberError> {
    // SAFETY: on a fiber's stack.
    inside(|| unsafe { abi::corobridge_fiber_scn_throw_after_yield(kind) })
}

fn c_string(text: &str) -> CString {
    CString::new(text.replace('\0', " ")).unwrap_or_default()
}

/// Throws `std::runtime_error(message)` in C++ and yields `()` inside its `catch`; after
/// the resume returns 1 if `std::current_exception()` is still that exception and no
/// exception is in flight (negative codes otherwise).
pub fn yield_in_catch(message: &str) -> Result<i32, FiberError> {
    let message = c_string(message);
    // SAFETY: on a fiber's stack; the string outlives the call.
    inside(|| unsafe { abi::corobridge_fiber_scn_yield_in_catch(message.as_ptr()) })
}

/// Throws and catches a `std::logic_error` in C++, yielding `()` inside the `catch`;
/// returns 1 if no exception is current afterwards.
pub fn throw_catch_between() -> Result<i32, FiberError> {
    // SAFETY: on a fiber's stack.
    inside(|| unsafe { abi::corobridge_fiber_scn_throw_catch_between() })
}

/// Yields `()` inside a C++ `catch`, then twice after it; returns 1 if after every resume
/// the fiber's own exception (inside the `catch`) or none (after it) was current.
pub fn catch_then_plain_yields() -> Result<i32, FiberError> {
    // SAFETY: on a fiber's stack.
    inside(|| unsafe { abi::corobridge_fiber_scn_catch_then_plain_yields() })
}

/// Yields `()` from a destructor that runs while a C++ exception unwinds; returns
/// 10 × `std::uncaught_exceptions()` before the yield + the count after it (11).
pub fn yield_during_unwind() -> Result<i32, FiberError> {
    // SAFETY: on a fiber's stack.
    inside(|| unsafe { abi::corobridge_fiber_scn_yield_during_unwind() })
}

/// `std::uncaught_exceptions()` on this thread, now.
pub fn uncaught_exceptions() -> i32 {
    // SAFETY: a plain query; never throws.
    unsafe { abi::corobridge_fiber_scn_uncaught_exceptions() }
}

/// Whether `std::current_exception()` is set on this thread, now.
pub fn has_current_exception() -> bool {
    // SAFETY: a plain query; never throws.
    unsafe { abi::corobridge_fiber_scn_has_current_exception() }
}

unsafe extern "C-unwind" fn call_closure<F: FnMut() -> i32>(context: *mut c_void) -> i32 {
    // SAFETY: `context` is the `F` passed by the function that installed this callback,
    // alive for the duration of the C++ call.
    let callback = unsafe { &mut *context.cast::<F>() };
    callback()
}

/// Runs `callback` inside a C++ `catch` block (a `std::runtime_error("resumer's")` is the
/// current exception meanwhile). Returns the callback's value, or -100 if afterwards the
/// current exception is no longer that one. Callable anywhere; `callback` must not let a
/// C++ exception escape (fibers it resumes don't).
pub fn inside_catch<F: FnMut() -> i32>(mut callback: F) -> i32 {
    // SAFETY: the callback is a "C-unwind" function given its own closure, which outlives
    // the call; the C++ function catches its own exception.
    unsafe {
        abi::corobridge_fiber_scn_inside_catch(
            Some(call_closure::<F>),
            ptr::from_mut(&mut callback).cast(),
        )
    }
}

/// A guard, then a unit yield three C++ calls deep inside a `catch (...)` that swallows
/// everything, then returns 7.
pub fn swallow_unwind(counters: &Counters) -> Result<i32, FiberError> {
    // SAFETY: on a fiber's stack; the counters outlive the call.
    inside(|| unsafe { abi::corobridge_fiber_scn_swallow_unwind(counters.as_ptr()) })
}

/// As [`swallow_unwind`], but the `catch (...)` rethrows with `throw;`.
pub fn rethrow_unwind(counters: &Counters) -> Result<i32, FiberError> {
    // SAFETY: on a fiber's stack; the counters outlive the call.
    inside(|| unsafe { abi::corobridge_fiber_scn_rethrow_unwind(counters.as_ptr()) })
}

/// From four C++ calls deep (a guard in each): `fiber::sleep_for(sleep_ms)`, then
/// `fiber::await` of a C++ `task<int32_t>` sleeping `task_ms` and producing `a + b`.
pub fn sleep_then_add(
    sleep_ms: i64,
    a: i32,
    b: i32,
    task_ms: i64,
    counters: &Counters,
) -> Result<i32, FiberError> {
    // SAFETY: on a fiber's stack; the counters outlive the call.
    inside(|| unsafe {
        abi::corobridge_fiber_scn_sleep_then_add(sleep_ms, a, b, task_ms, counters.as_ptr())
    })
}

/// `fiber::await` of a C++ task that sleeps then throws `std::logic_error`; C++ catches
/// the original exception and describes it as `"<type>: <what>"`.
pub fn await_throwing_task(delay_ms: i64) -> Result<String, FiberError> {
    inside(|| {
        let mut out = MaybeUninit::<String>::uninit();
        // SAFETY: on a fiber's stack; C++ always writes the String before returning.
        unsafe {
            abi::corobridge_fiber_scn_await_throwing_task(delay_ms, out.as_mut_ptr().cast());
            out.assume_init()
        }
    })
}

/// `frames` times: `fiber::await` of a C++ task doing `co_await GameTimer::wait_for(16ms)`;
/// returns the executor's time (ms) after each.
pub fn game_frames(frames: i32) -> Result<Vec<i64>, FiberError> {
    inside(|| {
        let mut times = vec![0i64; usize::try_from(frames).unwrap_or(0)];
        let frames = i32::try_from(times.len()).unwrap_or(0);
        // SAFETY: on a fiber's stack; `times` has room for `frames` entries.
        unsafe { abi::corobridge_fiber_scn_game_frames(frames, times.as_mut_ptr()) };
        times
    })
}

/// `fiber::sleep_for(1ms)` from C++.
pub fn sleep_once() -> Result<i32, FiberError> {
    // SAFETY: on a fiber's stack.
    inside(|| unsafe { abi::corobridge_fiber_scn_sleep_once() })
}

/// A guard in each of four C++ frames, then `callback()` (Rust) from the deepest.
pub fn call_rust<F: FnMut() -> i32>(callback: F, counters: &Counters) -> Result<i32, FiberError> {
    let mut callback = callback;
    // SAFETY: on a fiber's stack; the closure and counters outlive the call.
    inside(|| unsafe {
        abi::corobridge_fiber_scn_call_rust(
            Some(call_closure::<F>),
            ptr::from_mut(&mut callback).cast(),
            counters.as_ptr(),
        )
    })
}

/// C++ recursion with 1 KiB of locals per frame; negative `depth`: until the stack ends.
pub fn recurse(depth: i64) -> Result<i64, FiberError> {
    // SAFETY: on a fiber's stack (the overflow handler covers fiber stacks).
    inside(|| unsafe { abi::corobridge_fiber_scn_recurse(depth) })
}

/// Calls `corobridge::fiber::yield()` and describes what it threw as `"<type>: <what>"`
/// (outside a fiber: `corobridge::fiber::not_in_fiber`). Inside a fiber that yields `()`
/// it really yields, and returns "no exception".
pub fn yield_outside() -> String {
    let mut out = MaybeUninit::<String>::uninit();
    // SAFETY: C++ catches every std::exception and writes the String; a forced unwind
    // can only arise inside a fiber, where it unwinds to the fiber's base.
    unsafe {
        abi::corobridge_fiber_scn_yield_outside(out.as_mut_ptr().cast());
        out.assume_init()
    }
}

/// `corobridge::fiber::in_fiber()` as C++ sees it.
pub fn in_fiber_cpp() -> bool {
    // SAFETY: a plain query.
    unsafe { abi::corobridge_fiber_scn_in_fiber() }
}
