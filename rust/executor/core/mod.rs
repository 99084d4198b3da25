//! The executor's state. One thread only: everything here is reached through `&Core` on
//! the executor's thread (C++ reaches it through the C ABI on that thread too). Its timers
//! are in `timers.rs`, the tasks and C++ roots it spawns in `spawning.rs`, its run loop in
//! `run_loop.rs`.

mod run_loop;
mod spawning;
mod timers;

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::ptr::NonNull;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::{RawWakerVTable, Waker};
use std::time::{Duration, Instant};

use super::context::{Driver, Owner};
use super::cpp_waker;
use super::node;
use super::raw_timers;
use super::registry::{self, Lookup};
use super::remote::Remote;
use super::roots::Roots;
use super::run_queue::RunQueue;
use super::task::{self, TaskCell};
use super::timer::TimerQueue;
use super::{ClockKind, Stats, TaskFailure};

thread_local! {
    static THREAD_MARK: u8 = const { 0 };
}

/// A cheap identity of the calling thread (the address of a thread-local).
pub(crate) fn thread_mark() -> usize {
    THREAD_MARK.with(|mark| std::ptr::from_ref(mark).addr())
}

enum Clock {
    Real(Instant),
    Virtual,
}

/// Why a run loop refused to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoopError {
    /// The executor is already running a loop on this stack (reentrant call).
    Reentrant,
    /// Called from another thread than the executor's.
    WrongThread,
}

/// When a frame's timer fires: after a delay or at a deadline (nanoseconds).
#[derive(Clone, Copy, Debug)]
pub(crate) enum TimerWhen {
    After(u64),
    At(u64),
}

/// How many ready nodes one turn runs at most before it looks at wakes from other
/// threads and at timers.
const TURN_BUDGET: u64 = 256;

/// How many timer entries ahead of the one firing have their frame prefetched, and (half
/// as far) the data their coroutine's prefetch hint points at.
const PREFETCH_AHEAD: usize = 16;

/// See the module documentation.
pub(crate) struct Core {
    key: Cell<u32>,
    queue: RunQueue,
    timers: RefCell<TimerQueue>,
    roots: RefCell<Roots>,
    finished: Cell<Vec<u32>>,
    doomed: Cell<Vec<NonNull<c_void>>>,
    /// True when `finished` or `doomed` has entries (checked after every resume).
    reap: Cell<bool>,
    /// The root slot whose end wakes `block_on`'s main future (sync_wait from C++).
    watched_root: Cell<Option<u32>>,
    tasks: RefCell<TaskSlab>,
    remote: Arc<Remote>,
    clock: Clock,
    now: Cell<u64>,
    /// The real clock must be read again before `now` is used (see `Core::now`).
    clock_stale: Cell<bool>,
    running: Cell<bool>,
    /// Run loops entered so far (block_on, run_until_idle, advance).
    loop_entries: Cell<u64>,
    /// True once a run loop was entered inside a futures executor (`block_on`,
    /// `LocalPool`) rather than inside another corobridge executor: such an executor is
    /// driven from there, so a `JoinHandle` awaited there is not refused.
    run_inside_futures: Cell<bool>,
    /// True if a tokio runtime was current on the thread when the running loop was
    /// entered (see `nested_runtime`).
    tokio_at_entry: Cell<bool>,
    /// The vtable of the waker `block_on` polls its future with (see `owns_waker`).
    main_waker: Cell<Option<&'static RawWakerVTable>>,
    /// True while a C++ frame resumed by the run loop runs (destroying a root waits).
    resuming: Cell<bool>,
    resumes: Cell<u64>,
    polls: Cell<u64>,
    timers_fired: Cell<u64>,
    /// Timers a batch being fired has taken that their lane still counts (see
    /// `timer/batch.rs`): left out of the pending count.
    timers_in_flight: Cell<usize>,
    failures: RefCell<Vec<TaskFailure>>,
    thread: usize,
    weak_self: Weak<Core>,
}

#[derive(Default)]
struct TaskSlab {
    entries: Vec<Option<Arc<TaskCell>>>,
    free: Vec<usize>,
    live: usize,
}

impl Core {
    pub(crate) fn new(clock: ClockKind) -> Rc<Core> {
        let core = Rc::new_cyclic(|weak_self| Core {
            key: Cell::new(0),
            queue: RunQueue::new(),
            timers: RefCell::new(TimerQueue::new()),
            roots: RefCell::new(Roots::new()),
            finished: Cell::new(Vec::new()),
            doomed: Cell::new(Vec::new()),
            reap: Cell::new(false),
            watched_root: Cell::new(None),
            tasks: RefCell::new(TaskSlab::default()),
            remote: Remote::new(Some(std::thread::current().id())),
            clock: match clock {
                ClockKind::Real => Clock::Real(Instant::now()),
                ClockKind::Virtual => Clock::Virtual,
            },
            now: Cell::new(0),
            clock_stale: Cell::new(true),
            running: Cell::new(false),
            loop_entries: Cell::new(0),
            run_inside_futures: Cell::new(false),
            tokio_at_entry: Cell::new(false),
            main_waker: Cell::new(None),
            resuming: Cell::new(false),
            resumes: Cell::new(0),
            polls: Cell::new(0),
            timers_fired: Cell::new(0),
            timers_in_flight: Cell::new(0),
            failures: RefCell::new(Vec::new()),
            thread: thread_mark(),
            weak_self: weak_self.clone(),
        });
        core.key.set(registry::register(
            NonNull::from(&*core).cast(),
            core.thread,
        ));
        core
    }

    /// Runs `f` on the executor registered under `key` if it is alive and `thread` is its
    /// thread.
    pub(crate) fn with_registered<R>(
        key: u32,
        thread: usize,
        f: impl FnOnce(&Core) -> R,
    ) -> Lookup<R> {
        registry::with_entry(key, thread, |core| {
            // SAFETY: only `Core::new` registers, with a Core's address; the registry hands
            // it out only on that executor's thread and while the executor is registered,
            // hence alive.
            f(unsafe { core.cast::<Core>().as_ref() })
        })
    }

    /// This executor's key in the registry (what C++ timer ids carry).
    pub(crate) fn key(&self) -> u32 {
        self.key.get()
    }

    pub(crate) fn weak(&self) -> Weak<Core> {
        self.weak_self.clone()
    }

    pub(crate) fn is_virtual(&self) -> bool {
        matches!(self.clock, Clock::Virtual)
    }

    /// True on the executor's own thread.
    pub(crate) fn on_own_thread(&self) -> bool {
        thread_mark() == self.thread
    }

    /// True while one of this executor's run loops is on the stack.
    pub(crate) fn is_running(&self) -> bool {
        self.running.get()
    }

    /// Run loops entered so far.
    pub(crate) fn loop_entries(&self) -> u64 {
        self.loop_entries.get()
    }

    /// True once a run loop of this executor ran inside a futures executor.
    pub(crate) fn run_inside_futures(&self) -> bool {
        self.run_inside_futures.get()
    }

    /// True if a tokio runtime was current when the running loop was entered.
    pub(crate) fn tokio_at_entry(&self) -> bool {
        self.tokio_at_entry.get()
    }

    /// True if the executor polls futures with `waker` (a task's, or `block_on`'s).
    pub(crate) fn owns_waker(&self, waker: &Waker) -> bool {
        let vtable = waker.vtable();
        std::ptr::eq(vtable, task::waker_vtable())
            || cpp_waker::is_cpp_waker(waker)
            || self
                .main_waker
                .get()
                .is_some_and(|main| std::ptr::eq(vtable, main))
    }

    /// The executor's time in nanoseconds, as of the current turn: a real clock is read
    /// at the first use in a turn (reading it costs more than a resumption here, so a turn
    /// that nobody asks the time and with no timer pending never reads it).
    #[inline]
    pub(crate) fn now(&self) -> u64 {
        if self.clock_stale.get() {
            self.refresh_clock();
        }
        self.now.get()
    }

    /// The real clock moved on: `now` reads it again at its next use. C++ stops
    /// registering through the timer window, whose deadlines are of the current `now`.
    fn mark_clock_stale(&self) {
        self.timers.borrow_mut().close_window();
        self.clock_stale.set(true);
    }

    /// Sets the clock (virtual time moving); as for [`Core::mark_clock_stale`].
    fn set_now(&self, now: u64) {
        self.timers.borrow_mut().close_window();
        self.now.set(now);
    }

    #[cold]
    fn refresh_clock(&self) {
        self.clock_stale.set(false);
        if let Clock::Real(origin) = self.clock {
            let elapsed = u64::try_from(origin.elapsed().as_nanos()).unwrap_or(u64::MAX);
            self.now.set(elapsed.max(self.now.get()));
        }
    }

    pub(crate) fn as_driver(&self) -> Driver {
        let owner = Owner::Executor(NonNull::from(self).cast());
        // SAFETY: the queue and the remote side are this executor's own fields.
        unsafe { Driver::new(&self.queue, &self.remote, owner) }
    }

    /// The executor, if `driver` is one.
    pub(crate) fn from_driver(driver: Driver) -> Option<NonNull<Core>> {
        // `as_driver` is the only maker of executor owners, from a Core.
        driver.executor_owner().map(NonNull::cast)
    }

    // ---- statistics --------------------------------------------------------------------

    pub(crate) fn stats(&self) -> Stats {
        Stats {
            resumes: self.resumes.get(),
            polls: self.polls.get(),
            timers_fired: self.timers_fired.get(),
            remote_wakes: self.remote.remote_wakes(),
            pending_timers: self.pending_timers(),
            ready: self.queue.len() + self.roots.borrow().pending_starts(),
            live_cpp_tasks: self.roots.borrow().len(),
            live_rust_tasks: self.tasks.borrow().live,
            now: Duration::from_nanos(self.now()),
        }
    }

    pub(crate) fn resumes(&self) -> u64 {
        self.resumes.get()
    }

    pub(crate) fn pending_timers(&self) -> usize {
        self.timers.borrow_mut().len() - self.timers_in_flight.get()
    }

    pub(crate) fn live_roots(&self) -> usize {
        self.roots.borrow().len()
    }

    pub(crate) fn take_failures(&self) -> Vec<TaskFailure> {
        std::mem::take(&mut *self.failures.borrow_mut())
    }

    pub(crate) fn record_failure(&self, failure: TaskFailure) {
        self.failures.borrow_mut().push(failure);
    }
}

impl Drop for Core {
    fn drop(&mut self) {
        registry::unregister(self.key.get());
        // Nothing may be sent to us any more; what was sent is discarded now (frames sent
        // for destruction are destroyed, references released).
        drop(self.remote.close());
        self.cancel_all();
        drop(self.finished.take());
        // Timers of frames we do not own just go: their awaiters hold our registry key,
        // which no longer resolves, so their cancellation is a no-op.
        self.timers.borrow_mut().clear();
        raw_timers::forget_executor(self.key.get());
        while let Some(link) = self.queue.pop_front() {
            // SAFETY: just popped (tasks' futures were dropped above).
            unsafe { node::release(link) };
        }
    }
}
