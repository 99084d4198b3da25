//! The executor's state and run loop. One thread only: everything here is reached through
//! `&Core` on the executor's thread (C++ reaches it through the C ABI on that thread too).

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::pin;
use std::ptr::NonNull;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, RawWakerVTable, Wake, Waker};
use std::time::{Duration, Instant};

use super::context::{self, Driver};
use super::cpp_waker::{self, CppWaker};
use super::raw_timers;
use super::registry;
use super::remote::{Remote, RemoteItem};
use super::roots::{RootId, Roots};
use super::run_queue::{KIND_FRAME, KIND_TASK, KIND_WAKER, RunQueue};
use super::task::{self, TaskCell};
use super::timer::{Fire, Target, TimerKey, TimerQueue};
use super::tokio_context;
use super::{ClockKind, Shutdown, Stats, TaskFailure};
use crate::error::{ErrorSink, explained_nested_block_on};
use crate::ffi;
use crate::ffi::abi::{
    COROBRIDGE_KIND_MASK, COROBRIDGE_KIND_NONE, COROBRIDGE_STATE_DONE, COROBRIDGE_STATE_ERROR,
    corobridge_cpp_task_error,
};
use crate::{CppException, Error};

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
    resuming: Cell<u32>,
    resumes: Cell<u64>,
    polls: Cell<u64>,
    timers_fired: Cell<u64>,
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
            resuming: Cell::new(0),
            resumes: Cell::new(0),
            polls: Cell::new(0),
            timers_fired: Cell::new(0),
            failures: RefCell::new(Vec::new()),
            thread: thread_mark(),
            weak_self: weak_self.clone(),
        });
        core.key
            .set(registry::register(NonNull::from(&*core), core.thread));
        core
    }

    /// This executor's key in the registry (what C++ timer ids carry).
    pub(crate) fn key(&self) -> u32 {
        self.key.get()
    }

    pub(crate) fn queue(&self) -> &RunQueue {
        &self.queue
    }

    pub(crate) fn remote(&self) -> &Arc<Remote> {
        &self.remote
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

    #[cold]
    fn refresh_clock(&self) {
        self.clock_stale.set(false);
        if let Clock::Real(origin) = self.clock {
            let elapsed = u64::try_from(origin.elapsed().as_nanos()).unwrap_or(u64::MAX);
            self.now.set(elapsed.max(self.now.get()));
        }
    }

    fn as_driver(&self) -> Driver {
        Driver::Executor(NonNull::from(self))
    }

    // ---- statistics --------------------------------------------------------------------

    pub(crate) fn stats(&self) -> Stats {
        Stats {
            resumes: self.resumes.get(),
            polls: self.polls.get(),
            timers_fired: self.timers_fired.get(),
            remote_wakes: self.remote.remote_wakes(),
            pending_timers: self.timers.borrow().len(),
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
        self.timers.borrow().len()
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

    // ---- timers ------------------------------------------------------------------------

    /// Registers `target` to fire after `delay` nanoseconds.
    pub(crate) fn add_timer(&self, delay: u64, target: Target) -> TimerKey {
        self.timers.borrow_mut().insert(self.now(), delay, target)
    }

    pub(crate) fn cancel_timer(&self, key: TimerKey) -> Option<Target> {
        let target = self.timers.borrow_mut().cancel(key);
        if let Some(Target::RawFrame(frame)) = &target {
            self.settle_raw(*frame);
        }
        target
    }

    /// Registers a bare coroutine handle's frame to resume at `deadline`
    /// (`GameEngine::schedule_resume`), indexed so that freeing the frame cancels it.
    pub(crate) fn add_raw_frame_timer(&self, deadline: u64, frame: NonNull<c_void>) -> TimerKey {
        let key = self
            .timers
            .borrow_mut()
            .insert_at(self.now(), deadline, Target::RawFrame(frame));
        raw_timers::insert(frame.as_ptr().addr(), self.key(), key);
        key
    }

    /// Forgets the index entries of `frame`'s raw timers that fired or were cancelled.
    fn settle_raw(&self, frame: NonNull<c_void>) {
        let timers = self.timers.borrow();
        raw_timers::settle(frame.as_ptr().addr(), self.key(), |key| {
            timers.is_pending(key)
        });
    }

    /// Cancels a raw timer whose frame is being freed (`corobridge_rs_frame_freed`).
    pub(crate) fn cancel_freed_frame_timer(&self, key: TimerKey) {
        match self.timers.try_borrow_mut() {
            Ok(mut timers) => drop(timers.cancel(key)),
            // Only the queue's own code borrows it, and none of it frees frames.
            Err(_) => debug_assert!(
                false,
                "a frame was freed while the timer queue was borrowed"
            ),
        }
    }

    /// Registers a suspended C++ frame to resume at `when`. A non-null `hint` (an address
    /// inside `frame`) records that coroutines of the function `frame` belongs to keep a
    /// pointer to their hot data there, for the timer queue to prefetch.
    ///
    /// # Safety
    ///
    /// `frame` must be a live coroutine frame, suspended.
    #[inline]
    pub(crate) unsafe fn add_frame_timer(
        &self,
        when: TimerWhen,
        frame: NonNull<c_void>,
        hint: *const c_void,
    ) -> TimerKey {
        let mut timers = self.timers.borrow_mut();
        let offset = hint.addr().wrapping_sub(frame.as_ptr().addr());
        if !hint.is_null() && (16..4096).contains(&offset) && offset.is_multiple_of(8) {
            // SAFETY: a suspended frame's first word (its resume function) is readable.
            let key = unsafe { frame.as_ptr().cast::<usize>().read() };
            if key != 0 {
                timers.add_hint(key, offset);
            }
        }
        let now = self.now();
        match when {
            TimerWhen::After(delay) => timers.insert(now, delay, Target::Frame(frame)),
            TimerWhen::At(deadline) => timers.insert_at(now, deadline, Target::Frame(frame)),
        }
    }

    pub(crate) fn timer_refresh_waker(&self, key: TimerKey, waker: &Waker) -> bool {
        self.timers.borrow_mut().refresh_waker(key, waker)
    }

    // ---- spawning ----------------------------------------------------------------------

    pub(crate) fn spawn_task(
        &self,
        future: std::pin::Pin<Box<dyn Future<Output = ()>>>,
    ) -> Arc<TaskCell> {
        let task = TaskCell::new(self.remote.clone(), future);
        {
            let mut tasks = self.tasks.borrow_mut();
            let slot = match tasks.free.pop() {
                Some(slot) => {
                    tasks.entries[slot] = Some(task.clone());
                    slot
                }
                None => {
                    tasks.entries.push(Some(task.clone()));
                    tasks.entries.len() - 1
                }
            };
            tasks.live += 1;
            task.set_slot(slot);
        }
        task.clone().link(&self.queue);
        task
    }

    fn retire_task(&self, task: &Arc<TaskCell>) {
        task.drop_future();
        let mut tasks = self.tasks.borrow_mut();
        let slot = task.slot();
        if let Some(entry) = tasks.entries.get_mut(slot)
            && entry.as_ref().is_some_and(|t| Arc::ptr_eq(t, task))
        {
            *entry = None;
            tasks.free.push(slot);
            tasks.live -= 1;
        }
    }

    /// Takes ownership of an unstarted C++ task and queues its start (roots start in
    /// spawn order on the executor's next turn).
    ///
    /// # Safety
    ///
    /// `frame`/`state` must be a live corobridge task frame and its state word, owned by the
    /// caller, whose ownership passes to the executor.
    pub(crate) unsafe fn spawn_root(
        &self,
        frame: NonNull<c_void>,
        state: NonNull<u64>,
    ) -> Result<RootId, Error> {
        // SAFETY: valid per the caller's contract; the state word is accessed atomically.
        let word = unsafe { AtomicU64::from_ptr(state.as_ptr()) }.load(Ordering::Acquire);
        if word & u64::from(COROBRIDGE_KIND_MASK | COROBRIDGE_STATE_DONE)
            != u64::from(COROBRIDGE_KIND_NONE)
        {
            return Err(Error::AlreadyStarted);
        }
        // SAFETY: forwarded contract.
        Ok(unsafe { self.roots.borrow_mut().insert(frame, state) })
    }

    fn start_roots(&self) -> u64 {
        let mut started = 0;
        loop {
            let next = self.roots.borrow_mut().next_start();
            let Some(root) = next else { return started };
            started += 1;
            self.resume_frame(root.frame.as_ptr());
        }
    }

    /// Called from a root's final suspend: records its failure and queues its destruction.
    ///
    /// # Safety
    ///
    /// `state` must be the state word of the finishing root in `slot`.
    pub(crate) unsafe fn root_finished(&self, slot: u32, state: NonNull<u64>) {
        // SAFETY: valid during the final suspend (caller's contract).
        let word = unsafe { AtomicU64::from_ptr(state.as_ptr()) }.load(Ordering::Acquire);
        if word & COROBRIDGE_STATE_ERROR as u64 != 0 {
            // SAFETY: the task threw and its frame is alive.
            let exception = unsafe { describe_task_error(state) };
            let root = self.roots.borrow().id_of(slot);
            if let Some(root) = root {
                self.record_failure(TaskFailure::Cpp { root, exception });
            }
        }
        let mut finished = self.finished.take();
        finished.push(slot);
        self.finished.set(finished);
        self.reap.set(true);
        if self.watched_root.get() == Some(slot) {
            self.remote.wake_main();
        }
    }

    /// Destroys a live root (deferred until the current resumption returns if called from
    /// inside one, so a task may cancel itself).
    pub(crate) fn cancel_root(&self, id: RootId) -> bool {
        let Some(root) = self.roots.borrow_mut().remove(id) else {
            return false;
        };
        let frame = root.frame;
        if self.resuming.get() > 0 {
            let mut doomed = self.doomed.take();
            doomed.push(frame);
            self.doomed.set(doomed);
            self.reap.set(true);
        } else {
            // SAFETY: a root's frame is owned by the executor and not running now.
            unsafe { ffi::destroy(frame.as_ptr()) };
        }
        true
    }

    // ---- running -----------------------------------------------------------------------

    fn resume_frame(&self, frame: *mut c_void) {
        self.resumes.set(self.resumes.get() + 1);
        self.resuming.set(self.resuming.get() + 1);
        // SAFETY: every frame reaching here was queued by a live awaiter (which unlinks it
        // before destruction), a live root, an unclaimed token, or a fired timer whose
        // awaiter is still suspended; all resumes happen on the executor's thread.
        let result = unsafe { ffi::resume(frame) };
        self.resuming.set(self.resuming.get() - 1);
        if let Err(exception) = result {
            self.record_failure(TaskFailure::Foreign { exception });
        }
        if self.resuming.get() == 0 {
            self.after_resume();
        }
    }

    /// Destroys roots that finished or were cancelled during the last resumption.
    #[inline]
    fn after_resume(&self) {
        if self.reap.get() {
            self.reap();
        }
    }

    #[cold]
    fn reap(&self) {
        self.reap.set(false);
        loop {
            let finished = self.finished.take();
            let doomed = self.doomed.take();
            if finished.is_empty() && doomed.is_empty() {
                return;
            }
            for slot in finished {
                let removed = self.roots.borrow_mut().remove_slot(slot);
                if let Some(root) = removed {
                    // SAFETY: a finished root is suspended at its final point, owned by us.
                    unsafe { ffi::destroy(root.frame.as_ptr()) };
                }
            }
            for frame in doomed {
                // SAFETY: cancelled roots were removed from the slab and are not running.
                unsafe { ffi::destroy(frame.as_ptr()) };
            }
        }
    }

    fn run_node(&self, node: NonNull<ffi::SchedNode>) {
        // SAFETY: a popped node is valid (RunQueue's contract).
        let (kind, frame) = unsafe { ((*node.as_ptr()).kind, (*node.as_ptr()).frame) };
        match kind {
            KIND_FRAME => self.resume_frame(frame),
            KIND_TASK => {
                // SAFETY: popped TASK node.
                let task = unsafe { TaskCell::from_node(node) };
                self.polls.set(self.polls.get() + 1);
                if task.run(&self.queue) {
                    self.retire_task(&task);
                }
                self.after_resume();
            }
            KIND_WAKER => {
                // SAFETY: popped WAKER node.
                let token = unsafe { CppWaker::from_node(node) };
                self.polls
                    .set(self.polls.get() + u64::from(token.polls_future()));
                if let Some(frame) = token.run(&self.queue) {
                    self.resume_frame(frame);
                }
            }
            _ => debug_assert!(false, "unknown run-queue node kind {kind}"),
        }
    }

    fn drain_remote(&self) {
        if !self.remote.has_items() {
            return;
        }
        let mut items = Vec::new();
        self.remote.take_into(&mut items);
        for item in items {
            match item {
                RemoteItem::Task(task) => task.link(&self.queue),
                RemoteItem::Waker(token) => token.link(&self.queue),
                RemoteItem::Destroy(item) => item.destroy(),
            }
        }
    }

    /// Fires every timer due at `now`, in deadline then registration order.
    fn fire_due(&self, now: u64) -> u64 {
        let mut fired = 0;
        loop {
            let run = self.timers.borrow_mut().pop_due(now);
            let Some((lane, end)) = run else { break };
            loop {
                let step = {
                    let mut timers = self.timers.borrow_mut();
                    timers.prefetch(lane, PREFETCH_AHEAD / 2, PREFETCH_AHEAD);
                    timers.fire_next(lane, end)
                };
                match step {
                    Fire::End => break,
                    Fire::Skip => {}
                    Fire::Target(target) => {
                        fired += 1;
                        self.fire(target);
                    }
                }
            }
            self.timers.borrow_mut().finish_run(lane);
        }
        self.timers_fired.set(self.timers_fired.get() + fired);
        fired
    }

    fn fire(&self, target: Target) {
        match target {
            Target::Frame(frame) => self.resume_frame(frame.as_ptr()),
            Target::RawFrame(frame) => {
                self.settle_raw(frame);
                self.resume_frame(frame.as_ptr());
            }
            Target::Waker(waker) => waker.wake(),
        }
    }

    /// One pass: remote work, root starts, what is ready now, due timers.
    fn turn(&self) -> u64 {
        self.drain_remote();
        let mut work = self.start_roots();
        // What is ready runs, including what it makes ready, up to a budget: then wakes
        // from other threads and due timers get their turn.
        while work < TURN_BUDGET {
            let Some(node) = self.queue.pop_front() else {
                break;
            };
            self.run_node(node);
            work += 1;
        }
        // Time moved while the turn ran: read it again, but only if a timer could be due.
        if matches!(self.clock, Clock::Real(_)) {
            self.clock_stale.set(true);
        }
        if self.timers.borrow().next_deadline().is_none() {
            return work;
        }
        work + self.fire_due(self.now())
    }

    fn has_ready_work(&self) -> bool {
        !self.queue.is_empty()
            || self.remote.has_items()
            || self.roots.borrow().pending_starts() > 0
    }

    fn idle_loop(&self) -> u64 {
        let mut total = 0;
        loop {
            let work = self.turn();
            total += work;
            if work == 0 && !self.has_ready_work() {
                return total;
            }
        }
    }

    /// Destroys every C++ root task and drops every Rust task this executor owns: roots,
    /// then Rust tasks (whose futures may own C++ tasks bound to us), until destructors
    /// stop creating more, one at a time (nothing is collected). Returns how many of each
    /// were still pending.
    pub(crate) fn cancel_all(&self) -> Shutdown {
        let mut cancelled = Shutdown::default();
        loop {
            let mut progressed = false;
            loop {
                let root = self.roots.borrow_mut().pop_any();
                let Some(root) = root else { break };
                progressed = true;
                cancelled.cpp_tasks += 1;
                // SAFETY: roots are owned by the executor and not running.
                unsafe { ffi::destroy(root.frame.as_ptr()) };
            }
            for frame in self.doomed.take() {
                progressed = true;
                // SAFETY: cancelled roots were removed from the slab and are not running.
                unsafe { ffi::destroy(frame.as_ptr()) };
            }
            loop {
                let task = {
                    let mut slab = self.tasks.borrow_mut();
                    let task = slab.entries.pop().flatten();
                    if task.is_some() {
                        slab.live -= 1;
                    }
                    if slab.entries.is_empty() {
                        slab.free.clear();
                    }
                    (task, slab.entries.is_empty())
                };
                match task {
                    (Some(task), _) => {
                        progressed = true;
                        cancelled.rust_tasks += 1;
                        task.drop_future();
                    }
                    (None, true) => break,
                    (None, false) => {}
                }
            }
            if !progressed {
                return cancelled;
            }
        }
    }

    fn enter_loop(&self) -> Result<LoopGuard<'_>, LoopError> {
        if !self.on_own_thread() {
            return Err(LoopError::WrongThread);
        }
        if self.running.replace(true) {
            return Err(LoopError::Reentrant);
        }
        self.loop_entries.set(self.loop_entries.get() + 1);
        // Marks the thread as running an executor for futures' block_on and LocalPool, so
        // that one called inside a task panics at once instead of blocking the thread (and
        // with it everything the future waits for) forever. If the mark is already there,
        // this loop runs inside another executor, which keeps it.
        let futures_guard = futures_executor::enter().ok();
        let tokio_current = tokio_context::tokio_current();
        self.tokio_at_entry.set(tokio_current);
        if (futures_guard.is_none() || tokio_current)
            && context::current().and_then(Driver::executor).is_none()
        {
            self.run_inside_futures.set(true);
        }
        Ok(LoopGuard {
            core: self,
            _entered: context::enter(self.as_driver()),
            _futures: futures_guard,
        })
    }

    /// Runs ready work and due timers until nothing is left to do without waiting.
    pub(crate) fn run_until_idle(&self) -> Result<u64, LoopError> {
        let _guard = self.enter_loop()?;
        Ok(self.idle_loop())
    }

    /// Virtual clock: moves time forward by `by`, stopping at every deadline on the way.
    pub(crate) fn advance(&self, by: Duration) -> Result<Result<u64, LoopError>, Error> {
        if !self.is_virtual() {
            return Err(Error::NotVirtual);
        }
        let guard = match self.enter_loop() {
            Ok(guard) => guard,
            Err(e) => return Ok(Err(e)),
        };
        let target = self
            .now
            .get()
            .saturating_add(u64::try_from(by.as_nanos()).unwrap_or(u64::MAX));
        let mut work = self.idle_loop();
        loop {
            let next = self.timers.borrow().next_deadline();
            match next {
                Some(deadline) if deadline <= target => {
                    self.now.set(deadline.max(self.now.get()));
                    work += self.idle_loop();
                }
                _ => break,
            }
        }
        self.now.set(target);
        work += self.idle_loop();
        drop(guard);
        Ok(Ok(work))
    }

    /// Runs until the root `id` has finished (or was cancelled).
    pub(crate) fn run_until_finished(&self, id: RootId) -> Result<(), LoopError> {
        let previous = self.watched_root.replace(Some(id.slot()));
        let result = self.block_on(std::future::poll_fn(|_| {
            if self.roots.borrow().get(id).is_none() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }));
        self.watched_root.set(previous);
        result
    }

    /// Runs until `future` completes. A virtual clock jumps to the next deadline whenever
    /// nothing else can happen.
    pub(crate) fn block_on<F: Future>(&self, future: F) -> Result<F::Output, LoopError> {
        let _guard = self.enter_loop()?;
        let mut future = pin!(future);
        let waker = Waker::from(Arc::new(MainWaker {
            remote: self.remote.clone(),
        }));
        self.main_waker.set(Some(waker.vtable()));
        let mut cx = Context::from_waker(&waker);
        self.remote.wake_main();
        loop {
            if self.remote.take_main_wake() {
                self.polls.set(self.polls.get() + 1);
                let poll = match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx))) {
                    Ok(poll) => poll,
                    Err(payload) => match explained_nested_block_on(payload.as_ref()) {
                        // Said again, with what happened and what to do.
                        Some(message) => panic!("{message}"),
                        None => resume_unwind(payload),
                    },
                };
                self.after_resume();
                if let Poll::Ready(output) = poll {
                    return Ok(output);
                }
            }
            let work = self.turn();
            if work > 0 || self.has_ready_work() || self.remote.main_woken() {
                continue;
            }
            let next = self.timers.borrow().next_deadline();
            match (&self.clock, next) {
                (Clock::Virtual, Some(deadline)) => self.now.set(deadline.max(self.now.get())),
                (Clock::Virtual, None) => self.remote.park(None),
                (Clock::Real(_), Some(deadline)) => {
                    let wait = deadline.saturating_sub(self.now());
                    self.remote.park(Some(Duration::from_nanos(wait)));
                }
                (Clock::Real(_), None) => self.remote.park(None),
            }
        }
    }
}

struct LoopGuard<'a> {
    core: &'a Core,
    _entered: context::Entered,
    /// Dropped after `_entered` (fields drop in order), before `running` is cleared.
    _futures: Option<futures_executor::Enter>,
}

impl Drop for LoopGuard<'_> {
    fn drop(&mut self) {
        self.core.running.set(false);
    }
}

struct MainWaker {
    remote: Arc<Remote>,
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.remote.wake_main();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.remote.wake_main();
    }
}

impl Drop for Core {
    fn drop(&mut self) {
        registry::unregister(self.key.get());
        // Nothing may be sent to us any more; frames already sent for destruction go now.
        for item in self.remote.close() {
            if let RemoteItem::Destroy(item) = item {
                item.destroy();
            }
        }
        self.cancel_all();
        drop(self.finished.take());
        // Timers of frames we do not own just go: their awaiters hold our registry key,
        // which no longer resolves, so their cancellation is a no-op.
        self.timers.borrow_mut().clear();
        raw_timers::forget_executor(self.key.get());
        while let Some(node) = self.queue.pop_front() {
            // SAFETY: popped nodes are valid; TASK and WAKER nodes carry a reference.
            match unsafe { (*node.as_ptr()).kind } {
                // SAFETY: popped TASK node (its future was dropped above).
                KIND_TASK => drop(unsafe { TaskCell::from_node(node) }),
                // SAFETY: popped WAKER node.
                KIND_WAKER => drop(unsafe { CppWaker::from_node(node) }),
                _ => {}
            }
        }
    }
}

/// Describes the exception of a finished task.
///
/// # Safety
///
/// `state` must be the state word of a live task frame whose state has the error flag.
pub(crate) unsafe fn describe_task_error(state: NonNull<u64>) -> CppException {
    let mut sink = ErrorSink::default();
    // SAFETY: valid per the caller's contract; the sink outlives the call.
    unsafe { corobridge_cpp_task_error(state.as_ptr(), sink.as_abi()) };
    sink.into_exception()
}
