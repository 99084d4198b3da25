//! The type-erased part of every fiber, and which fiber runs on this thread.
//!
//! C++ (`corobridge::fiber::yield`), the Rust free functions ([`yield_value`](super::yield_value),
//! [`await_future`](super::await_future)) and the stack-overflow handler find the running
//! fiber through a thread-local pointer to its [`Header`], set on every switch into a
//! fiber and restored on the way out.

use std::any::{Any, TypeId};
use std::cell::Cell;
use std::ptr;

use corosensei::Yielder;

use super::asan::{Arrival, AsanSwitch};
use super::exception_state::EhSwap;
use super::suspension::Suspension;
use super::value;
use crate::ffi::fiber_abi::{
    COROBRIDGE_FIBER_VALUE_RUST, corobridge_fiber_kinds, corobridge_fiber_value,
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
    /// The (yielded, resume) kind pair a C++ yield must pass, as one word
    /// ([`yield_kinds`]); `u64::MAX`, which no pair of defined kinds makes, when C++
    /// cannot exchange either type.
    pub(crate) cpp_yield_kinds: u64,
}

/// A C++ yield's (yielded, resume) kinds as one word, so that one comparison checks both.
#[inline]
pub(crate) fn yield_kinds(yielded: u32, resume: u32) -> u64 {
    u64::from(yielded) | u64::from(resume) << 32
}

impl Types {
    #[inline]
    pub(crate) fn of<I: 'static, Y: 'static, R: 'static>() -> Self {
        let kinds = corobridge_fiber_kinds {
            input: value::kind_of::<I>(),
            yielded: value::kind_of::<Y>(),
            returned: value::kind_of::<R>(),
        };
        let cpp_can_yield = kinds.input != COROBRIDGE_FIBER_VALUE_RUST
            && kinds.yielded != COROBRIDGE_FIBER_VALUE_RUST;
        Self {
            input: TypeId::of::<I>(),
            yielded: TypeId::of::<Y>(),
            input_name: value::name_of::<I>(),
            yielded_name: value::name_of::<Y>(),
            kinds,
            cpp_yield_kinds: if cpp_can_yield {
                yield_kinds(kinds.yielded, kinds.input)
            } else {
                u64::MAX
            },
        }
    }
}

/// Suspends the fiber while it waits for a future. Monomorphised where the fiber is
/// created (the switch of a Rust wait is then made in the user's crate, where the compiler
/// can inline it).
pub(crate) type SuspendPendingFn = fn(&Header);

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
/// in the fiber's pooled cell, which outlives the fiber's coroutine.
pub(crate) struct Header {
    pub(crate) state: Cell<State>,
    /// The fiber's corosensei yielder, set when the body starts.
    pub(crate) yielder: Cell<*const Yielder<(), Suspension>>,
    /// The fiber's `Option<I>` input slot and `Option<Y>` yield slot: values cross a
    /// switch there, so the switch itself is the same for every fiber type.
    pub(crate) input_slot: Cell<*mut ()>,
    pub(crate) yield_slot: Cell<*mut ()>,
    /// The bits of a value yielded from C++ (`detail/fiber_abi.h`, "Values"), not yet converted:
    /// the resumer converts them to `Y` (so a C++ yield copies nothing and calls nothing
    /// type-specific on the fiber's side of the switch). A view they point to lives in
    /// the suspended C++ yield's frame.
    pub(crate) yield_bits: Cell<u64>,
    /// The bits of the resume input in the input slot, set by every resume for a C++ yield
    /// to return (0 when C++ cannot read `I`).
    pub(crate) input_bits: Cell<u64>,
    /// The view of a `String` or `Vec<u8>` resume input that `input_bits` points to.
    pub(crate) input_view: Cell<corobridge_fiber_value>,
    /// The `Context` of the poll that is running the fiber, or null.
    pub(crate) context: Cell<*mut ()>,
    /// An unwind in progress through C++ frames (the fiber is being destroyed, or a panic
    /// crossed a C++ yield or wait): its payload, kept while a C++ exception
    /// (`forced_unwind`) carries it to the fiber's base.
    unwinding: Cell<Option<Box<dyn Any + Send>>>,
    /// `unwinding` holds a payload (a flag, so that every yield checks it cheaply).
    carrying: Cell<bool>,
    /// The fiber is being destroyed: it was resumed only to unwind its stack, and no
    /// yield or wait may suspend it again.
    pub(crate) destroying: Cell<bool>,
    /// A C++ `catch (...)` swallowed the forced unwind.
    pub(crate) swallowed: Cell<bool>,
    /// The fiber's and its resumer's C++ exception state, swapped on every switch.
    eh: EhSwap,
    /// The switch annotations of the AddressSanitizer build (nothing in other builds).
    pub(crate) asan: AsanSwitch,
    pub(crate) types: Types,
    pub(crate) stack: StackInfo,
    pub(crate) suspend_pending: SuspendPendingFn,
}

impl Header {
    #[inline]
    pub(crate) fn new(types: Types, stack: StackInfo, suspend_pending: SuspendPendingFn) -> Self {
        Self {
            state: Cell::new(State::Created),
            yielder: Cell::new(ptr::null()),
            input_slot: Cell::new(ptr::null_mut()),
            yield_slot: Cell::new(ptr::null_mut()),
            yield_bits: Cell::new(0),
            input_bits: Cell::new(0),
            input_view: Cell::new(value::NO_VIEW),
            context: Cell::new(ptr::null_mut()),
            unwinding: Cell::new(None),
            carrying: Cell::new(false),
            destroying: Cell::new(false),
            swallowed: Cell::new(false),
            eh: EhSwap::new(),
            asan: AsanSwitch::new(stack.guard_end, stack.usable),
            types,
            stack,
            suspend_pending,
        }
    }

    /// Switches out of the running fiber (its body must have started), handing
    /// `suspension` to the resumer; returns when it is resumed.
    ///
    /// # Panics
    ///
    /// Unwinds (corosensei's forced unwind) when the fiber is destroyed meanwhile.
    #[inline]
    pub(crate) fn suspend(&self, suspension: Suspension) {
        // SAFETY: set by the body before any code on the fiber's stack can call this; the
        // yielder lives on the fiber's stack for as long as the fiber.
        let yielder = unsafe { &*self.yielder.get() };
        // SAFETY: this thread's state (fibers never migrate); only Rust runs between the
        // swaps and the switch.
        unsafe { self.eh.suspending() };
        self.asan.leaving();
        let arrival = Arrival::new(&self.asan);
        yielder.suspend(suspension);
        drop(arrival);
        // SAFETY: as above, right after the switch back in.
        unsafe { self.eh.resumed() };
    }

    /// Called first thing by the fiber's body on its own stack.
    #[inline]
    pub(crate) fn started(&self, yielder: &Yielder<(), Suspension>) {
        self.yielder.set(yielder);
        // SAFETY: this thread's state; no C++ ran on the fiber's stack yet.
        unsafe { self.eh.resumed() };
    }

    /// Called by the resumer after the fiber's last switch out (it returned, or unwound
    /// out of its root): the thread gets back the state it had before the resume.
    #[inline]
    pub(crate) fn finished(&self) {
        // SAFETY: this thread's state, right after the fiber's last switch out.
        unsafe { self.eh.finished() };
    }

    /// True while an unwind is being carried through C++ frames.
    #[inline]
    pub(crate) fn is_unwinding(&self) -> bool {
        self.carrying.get()
    }

    /// Keeps an unwind's payload while a C++ exception carries it through C++ frames.
    pub(crate) fn carry_unwind(&self, payload: Box<dyn Any + Send>) {
        self.unwinding.set(Some(payload));
        self.carrying.set(true);
    }

    /// Continues an unwind that a C++ frame interrupted (a swallowed forced unwind), if
    /// any, and starts one if the fiber is being destroyed: called by Rust code on the
    /// fiber's stack before and after it suspends.
    #[inline]
    pub(crate) fn continue_unwinding(&self) {
        if self.carrying.replace(false)
            && let Some(payload) = self.unwinding.take()
        {
            std::panic::resume_unwind(payload);
        }
        if self.destroying.get() {
            std::panic::resume_unwind(Box::new(Destroying));
        }
    }
}

/// The panic payload that unwinds a fiber being destroyed, down to its root (where the
/// destroying resume recognises it).
pub(crate) struct Destroying;

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
