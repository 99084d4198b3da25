//! Wake tokens for suspended C++ coroutines (`corobridge_waker` in the C ABI).
//!
//! A token belongs to one suspension of one C++ frame. Waking it only queues it on its
//! driver (an executor, or the Rust future driving C++ under a foreign executor); the driver
//! runs it later on its own thread. A plain token then resumes the frame (once). A token
//! awaiting a Rust future (C++ `co_await rust_future`) first polls that future with itself
//! as the `Waker`, and resumes the frame only once it is ready: it may be woken any number
//! of times. Cancelling (the awaiter's destructor) guarantees the frame is never resumed
//! and nothing is written into it through this token again.

use std::ffi::c_void;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{Context, RawWaker, RawWakerVTable, Waker};

use super::context::{self, Driver};
use super::run_queue::RunQueue;
use crate::erased_poll::{PollHeader, Sink};
use crate::ffi::abi::{COROBRIDGE_POLL_PENDING, corobridge_rust_await};

use super::node::{self, CANCELLED, DONE, IDLE, Node, RUNNING, Ran, Schedulable};

/// A Rust future (or stream) that a token polls before resuming its frame.
struct PollTarget {
    poll: NonNull<PollHeader>,
    awaiter: NonNull<corobridge_rust_await>,
}

/// See the module documentation. `node` must stay the first field (queue nodes are
/// converted back to tokens by address).
#[repr(C)]
pub(crate) struct CppWaker {
    node: Node,
    frame: *mut c_void,
    target: Option<PollTarget>,
}

// SAFETY: the node's link, `frame` and `target` are only used by the thread driving the
// token's driver: `node::wake` links only when that driver is current on the calling
// thread, and `run`/`cancel` run on the driver's thread. Other threads only touch the
// node's atomic state and its thread-safe remote side.
unsafe impl Send for CppWaker {}
// SAFETY: as above.
unsafe impl Sync for CppWaker {}

impl CppWaker {
    fn new(frame: *mut c_void, target: Option<PollTarget>, driver: Driver, state: u8) -> Arc<Self> {
        // SAFETY: the driver is alive: it is current on this thread (callers' contract).
        let remote = unsafe { driver.remote() }.clone();
        Arc::new(Self {
            node: Node::new::<Self>(remote, state),
            frame,
            target,
        })
    }

    /// A one-shot token that resumes `frame` when woken.
    ///
    /// # Safety
    ///
    /// `driver` must be alive (for example, current on this thread), and `frame` must stay
    /// alive until the token is cancelled or has resumed it.
    pub(crate) unsafe fn for_frame(frame: *mut c_void, driver: Driver) -> Arc<Self> {
        Self::new(frame, None, driver, IDLE)
    }

    /// Queues the token on its driver. Safe from any thread; extra wakes are absorbed.
    pub(crate) fn wake(self: &Arc<Self>) {
        node::wake(self);
    }

    /// Links this token into `queue`, which keeps a strong reference until it pops it.
    /// Called on the driver's thread, for a token in the QUEUED state.
    pub(crate) fn link(self: Arc<Self>, queue: &RunQueue) {
        node::link(self, queue);
    }

    /// Prevents any later resumption through this token (driver's thread).
    pub(crate) fn cancel(self: &Arc<Self>) {
        node::cancel(self);
    }

    /// C ABI pointer for a new strong reference.
    pub(crate) fn into_raw(this: Arc<Self>) -> *mut crate::ffi::abi::corobridge_waker {
        Arc::into_raw(this).cast_mut().cast()
    }

    /// Borrows the token behind a C ABI pointer without consuming the reference.
    ///
    /// # Safety
    ///
    /// `raw` must come from [`CppWaker::into_raw`] and still hold a reference.
    pub(crate) unsafe fn with_raw<R>(
        raw: *mut crate::ffi::abi::corobridge_waker,
        f: impl FnOnce(&Arc<Self>) -> R,
    ) -> R {
        // SAFETY: `raw` holds a strong reference (caller's contract); ManuallyDrop keeps
        // it from being released here.
        let token = ManuallyDrop::new(unsafe { Arc::from_raw(raw.cast::<CppWaker>()) });
        f(&token)
    }
}

/// Polls a token's future once; a result goes into `sink`. Returns true once ready.
///
/// # Safety
///
/// The target's future must be alive, and its awaiter too unless the sink is closed.
unsafe fn poll_target(target: &PollTarget, cx: &mut Context<'_>, sink: Sink<'_>) -> bool {
    // SAFETY: forwarded contract: the erased future is alive.
    let poll = unsafe { (target.poll.as_ref().vtable.poll)(target.poll, cx, sink) };
    poll.is_ready()
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone_waker, wake, wake_by_ref, drop_waker);

/// True if `waker` is one a C++ frame polls a Rust future with (to recognise them).
pub(crate) fn is_cpp_waker(waker: &Waker) -> bool {
    let vtable = waker.vtable();
    std::ptr::eq(vtable, &VTABLE) || std::ptr::eq(vtable, &LAZY_VTABLE)
}

unsafe fn clone_waker(data: *const ()) -> RawWaker {
    // SAFETY: `data` is an `Arc<CppWaker>` pointer holding a reference.
    unsafe { Arc::increment_strong_count(data.cast::<CppWaker>()) };
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: `data` holds a reference, which this consumes.
    let token = unsafe { Arc::from_raw(data.cast::<CppWaker>()) };
    token.wake();
}

unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: `data` holds a reference, borrowed here.
    let token = ManuallyDrop::new(unsafe { Arc::from_raw(data.cast::<CppWaker>()) });
    token.wake();
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: `data` holds a reference, released here.
    drop(unsafe { Arc::from_raw(data.cast::<CppWaker>()) });
}

/// The waker of the first, inline poll from C++'s `await_suspend`: it allocates a token
/// only if the future keeps a waker (a ready future costs nothing), and records a wake that
/// happens during the poll itself (a future that wakes itself, as `FuturesUnordered` does).
struct LazyWaker<'a> {
    /// Borrowed, not copied: a copy of the 32-byte driver read back in other widths than
    /// it was written stalled store forwarding on every ready await.
    driver: &'a Option<Driver>,
    frame: *mut c_void,
    poll: NonNull<PollHeader>,
    awaiter: NonNull<corobridge_rust_await>,
    token: std::cell::OnceCell<Option<Arc<CppWaker>>>,
    woken: std::cell::Cell<bool>,
}

impl LazyWaker<'_> {
    fn token(&self) -> Option<&Arc<CppWaker>> {
        self.token
            .get_or_init(|| {
                let target = PollTarget {
                    poll: self.poll,
                    awaiter: self.awaiter,
                };
                // RUNNING: the inline poll is under way; wakes meanwhile become NOTIFIED.
                (*self.driver)
                    .map(|driver| CppWaker::new(self.frame, Some(target), driver, RUNNING))
            })
            .as_ref()
    }
}

static LAZY_VTABLE: RawWakerVTable =
    RawWakerVTable::new(lazy_clone, lazy_wake, lazy_wake, lazy_drop);

unsafe fn lazy_clone(data: *const ()) -> RawWaker {
    // SAFETY: `data` is the LazyWaker on the stack of the inline poll, alive during it
    // (a lazy waker is never stored: cloning turns it into a token waker or a no-op).
    let lazy = unsafe { &*data.cast::<LazyWaker<'_>>() };
    match lazy.token() {
        Some(token) => RawWaker::new(Arc::into_raw(token.clone()).cast(), &VTABLE),
        // No driver on this thread: nothing could ever resume the frame.
        None => RawWaker::new(std::ptr::null(), &NOOP_VTABLE),
    }
}

unsafe fn lazy_wake(data: *const ()) {
    // SAFETY: as in `lazy_clone`.
    let lazy = unsafe { &*data.cast::<LazyWaker<'_>>() };
    lazy.woken.set(true);
}

unsafe fn lazy_drop(_: *const ()) {}

static NOOP_VTABLE: RawWakerVTable = RawWakerVTable::new(
    |_| RawWaker::new(std::ptr::null(), &NOOP_VTABLE),
    |_| {},
    |_| {},
    |_| {},
);

// SAFETY: `node` is the first field of this repr(C) struct.
unsafe impl Schedulable for CppWaker {
    fn node(&self) -> &Node {
        &self.node
    }

    /// Runs a popped token on its driver's thread: polls its Rust future if it has one,
    /// and says what it did: the frame to resume (and whether a poll came first), a poll
    /// only (the future is pending, or the token was cancelled while it polled), or
    /// nothing (cancelled before it ran).
    fn run(self: Arc<Self>, queue: &RunQueue) -> Ran {
        let resume = |polled| match NonNull::new(self.frame) {
            Some(frame) => Ran::Resume { frame, polled },
            None if polled => Ran::Polled,
            None => Ran::Nothing,
        };
        let Some(target) = &self.target else {
            // A plain token: the first wake resumes the frame.
            return if self.node.run_once() {
                resume(false)
            } else {
                Ran::Nothing
            };
        };
        if !self.node.start_run() {
            return Ran::Nothing; // cancelled
        }
        // SAFETY: the waker borrows this token, which `self` keeps alive for the poll.
        let waker = ManuallyDrop::new(unsafe {
            Waker::from_raw(RawWaker::new(Arc::as_ptr(&self).cast(), &VTABLE))
        });
        let mut cx = Context::from_waker(&waker);
        let ready = {
            let _deeper = context::deeper();
            // SAFETY: the awaiter (and the future it owns) live in the suspended frame, which
            // cannot be destroyed without cancelling this token first; `deliver` writes only
            // while the token is not cancelled (the poll itself may destroy the frame).
            unsafe {
                poll_target(
                    target,
                    &mut cx,
                    Sink::guarded(target.awaiter, self.node.state_word(), CANCELLED),
                )
            }
        };
        if ready {
            // Done, whether or not it was woken again during this last poll.
            return if self.node.end_run_ready() {
                resume(true)
            } else {
                Ran::Polled
            };
        }
        if self.node.end_run_pending() {
            // Woken while it was being polled: poll again on the driver's next turn (the
            // queue's reference goes back into the queue).
            self.link(queue);
        }
        Ran::Polled
    }
}

/// C++'s `co_await` on a Rust future: polls it once inline (from `await_suspend`), and if
/// it is pending, leaves a token that polls it again on the driver whenever it is woken.
/// Returns the awaiter's status.
///
/// # Safety
///
/// `poll` must be a live erased future or stream owned by the awaiting C++ code, `frame` the
/// suspending coroutine, and `awaiter` its live, zero-initialised await state with `out` and
/// `message` pointing at suitable storage; all stay alive until the awaiter is destroyed
/// (which cancels the token first).
pub(crate) unsafe fn await_poll(
    poll: NonNull<PollHeader>,
    frame: *mut c_void,
    awaiter: NonNull<corobridge_rust_await>,
) -> u8 {
    let driver = context::current();
    let raw_awaiter = awaiter.as_ptr();
    let target = || PollTarget { poll, awaiter };
    // SAFETY: the awaiter is alive (contract).
    unsafe {
        (*raw_awaiter).status = COROBRIDGE_POLL_PENDING as u8;
        (*raw_awaiter).token = std::ptr::null_mut();
    }
    if let Some(driver) = driver.filter(|_| context::depth() >= context::MAX_INLINE_DEPTH) {
        // Too deep to poll inline: queue the first poll on the driver.
        let token = CppWaker::new(frame, Some(target()), driver, IDLE);
        token.wake();
        // SAFETY: as above; the awaiter keeps one reference, released on cancel.
        unsafe { (*raw_awaiter).token = CppWaker::into_raw(token) };
        return COROBRIDGE_POLL_PENDING as u8;
    }
    let lazy = LazyWaker {
        driver: &driver,
        frame,
        poll,
        awaiter,
        token: std::cell::OnceCell::new(),
        woken: std::cell::Cell::new(false),
    };
    // SAFETY: the lazy waker lives on this stack frame for the whole poll and is never
    // stored by the future (cloning produces an independent waker).
    let waker = ManuallyDrop::new(unsafe {
        Waker::from_raw(RawWaker::new((&raw const lazy).cast(), &LAZY_VTABLE))
    });
    let mut cx = Context::from_waker(&waker);
    let ready = {
        let _deeper = context::deeper();
        // SAFETY: the frame is suspending in this awaiter: nothing can destroy it now, so
        // writing into the awaiter is always allowed.
        unsafe { poll_target(&target(), &mut cx, Sink::inline(awaiter)) }
    };
    let token = lazy.token.into_inner().flatten();
    if ready {
        if let Some(token) = token {
            // Wakes that arrive later, through clones the future kept, are absorbed.
            token.node.set_state(DONE);
        }
        // SAFETY: the awaiter is alive (contract).
        return unsafe { (*raw_awaiter).status };
    }
    let token = match (token, driver) {
        (Some(token), _) => token,
        (None, Some(driver)) => CppWaker::new(frame, Some(target()), driver, RUNNING),
        (None, None) => {
            // SAFETY: as above.
            unsafe { (*raw_awaiter).status = crate::ffi::abi::COROBRIDGE_POLL_NO_DRIVER as u8 };
            return crate::ffi::abi::COROBRIDGE_POLL_NO_DRIVER as u8;
        }
    };
    // The inline poll's end: RUNNING → IDLE, unless it was woken meanwhile (through the
    // lazy waker, or a clone of the token), which queues it at once.
    if lazy.woken.get() || token.node.end_run_pending() {
        token.node.set_state(IDLE);
        token.wake();
    }
    // SAFETY: as above; the awaiter keeps one reference, released on cancel.
    unsafe { (*raw_awaiter).token = CppWaker::into_raw(token) };
    COROBRIDGE_POLL_PENDING as u8
}

/// Cancels an await (the C++ awaiter is being destroyed) and releases its token.
///
/// # Safety
///
/// `awaiter` must be a live await state; called on the thread that drives its frame.
pub(crate) unsafe fn await_cancel(awaiter: NonNull<corobridge_rust_await>) {
    // SAFETY: per the contract.
    let raw = unsafe { std::mem::replace(&mut (*awaiter.as_ptr()).token, std::ptr::null_mut()) };
    if !raw.is_null() {
        // SAFETY: the awaiter held one reference to the token.
        let token = unsafe { Arc::from_raw(raw.cast::<CppWaker>()) };
        token.cancel();
    }
}
