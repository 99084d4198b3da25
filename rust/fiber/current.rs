//! The type-erased part of every fiber, and which fiber runs on this thread.
//!
//! C++ (`corobridge::fiber::yield`), the Rust free functions ([`yield_value`](super::yield_value),
//! [`await_future`](super::await_future)) and the stack-overflow handler find the running
//! fiber through a thread-local pointer to its [`Header`], set on every switch into a
//! fiber and restored on the way out.

use std::any::{Any, TypeId};
use std::cell::Cell;
use std::ffi::{c_int, c_void};
use std::ptr::{self, NonNull};

use super::exception_state::{self, EhState};
use super::value;
use crate::ffi::fiber_abi::{
    corobridge_fiber_kinds, corobridge_fiber_read_fn, corobridge_fiber_value,
};

/// Where a fiber is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// Created, never resumed.
    Created,
    /// Suspended in a yield or a wait.
    Suspended,
    /// Running (or resuming another fiber from inside itself).
    Running,
    /// Returned, failed or cancelled.
    Finished,
}

/// The fiber's types, for run-time checks of type-erased calls.
#[derive(Debug)]
pub(crate) struct Types {
    pub(crate) input: TypeId,
    pub(crate) yielded: TypeId,
    pub(crate) input_name: &'static str,
    pub(crate) yielded_name: &'static str,
    pub(crate) kinds: corobridge_fiber_kinds,
}

impl Types {
    pub(crate) fn of<I: 'static, Y: 'static, R: 'static>() -> Self {
        Self {
            input: TypeId::of::<I>(),
            yielded: TypeId::of::<Y>(),
            input_name: value::name_of::<I>(),
            yielded_name: value::name_of::<Y>(),
            kinds: corobridge_fiber_kinds {
                input: value::kind_of::<I>(),
                yielded: value::kind_of::<Y>(),
                returned: value::kind_of::<R>(),
            },
        }
    }
}

/// A C++ yield, monomorphised for the fiber's types (see `suspend::cpp_yield`).
pub(crate) type CppYieldFn = unsafe fn(
    &Header,
    &corobridge_fiber_value,
    u32,
    corobridge_fiber_read_fn,
    *mut c_void,
) -> c_int;

/// A suspension while waiting for a future, monomorphised for the fiber's types.
pub(crate) type SuspendPendingFn = unsafe fn(&Header);

/// The stack a fiber runs on, as the overflow handler needs it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct StackInfo {
    /// First byte of the guard page.
    pub(crate) guard_start: usize,
    /// One past its last byte.
    pub(crate) guard_end: usize,
    /// Usable bytes above the guard page.
    pub(crate) usable: usize,
}

/// The part of a fiber that type-erased code (C++, free functions) works with. It lives
/// in the fiber's heap cell, which outlives the fiber's coroutine.
pub(crate) struct Header {
    pub(crate) state: Cell<State>,
    /// The corosensei `Yielder<I, Suspension<Y>>`, set when the body starts.
    pub(crate) yielder: Cell<*const ()>,
    /// The `Context` of the poll that is running the fiber, or null.
    pub(crate) context: Cell<*mut ()>,
    /// An unwind in progress through C++ frames (the fiber is being destroyed, or a panic
    /// crossed a C++ yield or wait): its payload, kept while a C++ exception
    /// (`forced_unwind`) carries it to the fiber's base.
    pub(crate) unwinding: Cell<Option<Box<dyn Any + Send>>>,
    /// A C++ `catch (...)` swallowed the forced unwind.
    pub(crate) swallowed: Cell<bool>,
    /// The fiber's C++ exception state while it does not run.
    pub(crate) eh: Cell<EhState>,
    /// This thread's live C++ exception state.
    pub(crate) eh_live: NonNull<EhState>,
    pub(crate) types: Types,
    pub(crate) stack: StackInfo,
    pub(crate) cpp_yield: CppYieldFn,
    pub(crate) suspend_pending: SuspendPendingFn,
}

impl Header {
    pub(crate) fn new(
        types: Types,
        stack: StackInfo,
        cpp_yield: CppYieldFn,
        suspend_pending: SuspendPendingFn,
    ) -> Self {
        Self {
            state: Cell::new(State::Created),
            yielder: Cell::new(ptr::null()),
            context: Cell::new(ptr::null_mut()),
            unwinding: Cell::new(None),
            swallowed: Cell::new(false),
            eh: Cell::new(exception_state::EMPTY),
            eh_live: exception_state::thread_state(),
            types,
            stack,
            cpp_yield,
            suspend_pending,
        }
    }

    /// True while an unwind is being carried through C++ frames.
    #[inline]
    pub(crate) fn is_unwinding(&self) -> bool {
        let payload = self.unwinding.take();
        let unwinding = payload.is_some();
        self.unwinding.set(payload);
        unwinding
    }

    /// Continues an unwind that a C++ frame interrupted (a swallowed forced unwind), if any.
    #[inline]
    pub(crate) fn continue_unwinding(&self) {
        if let Some(payload) = self.unwinding.take() {
            std::panic::resume_unwind(payload);
        }
    }
}

thread_local! {
    static CURRENT: Cell<*const Header> = const { Cell::new(ptr::null()) };
}

/// The running fiber's header (null outside fibers). Async-signal-safe: a plain
/// thread-local read.
#[inline]
pub(crate) fn current_ptr() -> *const Header {
    CURRENT.with(Cell::get)
}

/// The running fiber.
///
/// # Safety
///
/// The reference may only be used by code running on that fiber's stack (or by the
/// resume that runs it): the fiber's cell outlives every frame on its stack.
#[inline]
pub(crate) unsafe fn current<'a>() -> Option<&'a Header> {
    // SAFETY: non-null only while the fiber runs; its cell outlives its stack's frames.
    unsafe { current_ptr().as_ref() }
}

/// Makes `header` the running fiber; returns the previous one for [`restore`].
#[inline]
pub(crate) fn enter(header: *const Header) -> *const Header {
    CURRENT.with(|c| c.replace(header))
}

/// Restores the running fiber saved by [`enter`].
#[inline]
pub(crate) fn restore(previous: *const Header) {
    CURRENT.with(|c| c.set(previous));
}
