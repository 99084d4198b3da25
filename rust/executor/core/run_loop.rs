//! The executor's run loop: turns over the ready queue, wakes from other threads and due
//! timers; `run_until_idle`, `advance`, `block_on`; shutdown's cancellation.

use std::ffi::c_void;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::pin;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use super::{Clock, Core, LoopError, TURN_BUDGET};
use crate::Error;
use crate::error::explained_nested_block_on;
use crate::executor::node::{self, Ran};
use crate::executor::remote::Remote;
use crate::executor::roots::RootId;
use crate::executor::timer::WindowActive;
use crate::executor::{Shutdown, TaskFailure, context, tokio_context};
use crate::ffi;

impl Core {
    pub(super) fn resume_frame(&self, frame: *mut c_void) {
        self.resumes.set(self.resumes.get() + 1);
        let outer = self.resuming.replace(true);
        // SAFETY: every frame reaching here was queued by a live awaiter (which unlinks it
        // before destruction), a live root, an unclaimed token, or a fired timer whose
        // awaiter is still suspended; all resumes happen on the executor's thread.
        let result = unsafe { ffi::resume(frame) };
        self.resuming.set(outer);
        if let Err(exception) = result {
            self.record_failure(TaskFailure::Foreign { exception });
        }
        if !outer {
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

    fn run_node(&self, link: NonNull<ffi::SchedNode>) {
        // SAFETY: just popped from our queue.
        match unsafe { node::run(link, &self.queue) } {
            Ran::Resume { frame, polled } => {
                self.polls.set(self.polls.get() + u64::from(polled));
                self.resume_frame(frame.as_ptr());
            }
            Ran::Polled => {
                self.polls.set(self.polls.get() + 1);
                self.after_resume();
            }
            Ran::Finished { slot } => {
                self.polls.set(self.polls.get() + 1);
                self.forget_task(slot, link.cast());
                self.after_resume();
            }
            Ran::Nothing => {}
        }
    }

    fn drain_remote(&self) {
        if !self.remote.has_items() {
            return;
        }
        let mut items = Vec::new();
        self.remote.take_into(&mut items);
        for item in items {
            item.deliver(&self.queue);
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
            self.mark_clock_stale();
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
            && context::current().and_then(Core::from_driver).is_none()
        {
            self.run_inside_futures.set(true);
        }
        let entered = context::enter(self.as_driver());
        Ok(LoopGuard {
            core: self,
            _window: self.timers.borrow().activate_window(),
            _entered: entered,
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
                    self.set_now(deadline.max(self.now.get()));
                    work += self.idle_loop();
                }
                _ => break,
            }
        }
        self.set_now(target);
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
                (Clock::Virtual, Some(deadline)) => self.set_now(deadline.max(self.now.get())),
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
    /// C++ on this thread registers through this executor's timer window meanwhile.
    _window: WindowActive,
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
