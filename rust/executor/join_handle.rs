//! What a spawned Rust task runs (`Spawned`: the user's future, its panic caught) and the
//! `JoinHandle` that awaits it, with the state they share.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use super::context;
use super::core::Core;
use super::nested_runtime;
use super::task::TaskCell;
use super::tokio_context;
use crate::JoinError;
use crate::error::panic_message;

/// Shared between a spawned future and its `JoinHandle`.
pub(crate) struct JoinState<T> {
    result: RefCell<Option<Result<T, JoinError>>>,
    waker: RefCell<Option<Waker>>,
    detached: Cell<bool>,
    aborted: Cell<bool>,
    task: RefCell<Option<std::sync::Weak<TaskCell>>>,
    /// The executor running the task.
    core: std::rc::Weak<Core>,
    /// The executor's run-loop count when the handle was last polled inside a futures
    /// executor while nothing ran its own (see `JoinHandle::poll`).
    undriven_poll: Cell<Option<u64>>,
}

impl<T> JoinState<T> {
    pub(crate) fn new(core: std::rc::Weak<Core>) -> Rc<Self> {
        Rc::new(Self {
            result: RefCell::new(None),
            waker: RefCell::new(None),
            detached: Cell::new(false),
            aborted: Cell::new(false),
            task: RefCell::new(None),
            core,
            undriven_poll: Cell::new(None),
        })
    }

    /// True if the handle, polled now with `cx`, waits for a task nobody will ever run:
    /// it is polled inside a futures executor (`block_on`, `LocalPool`: their
    /// `enter()` guard is held) or, with the `tokio` feature, inside a tokio runtime, outside any run of its own executor and of any other
    /// corobridge executor, its executor was never run from inside a futures executor,
    /// and it was already polled like this with no run of its executor since. The first
    /// such poll wakes `cx` at once, so a sibling future that runs the executor (in
    /// `join!`, or another task of a `LocalPool`) gets its turn before the second.
    fn undriven(&self, cx: &Context<'_>) -> bool {
        let Some(core) = self.core.upgrade() else {
            return false;
        };
        let driven_elsewhere = core.is_running()
            || core.run_inside_futures()
            || context::current().and_then(Core::from_driver).is_some();
        let inside_foreign = futures_executor::enter().is_err() || tokio_context::tokio_current();
        if driven_elsewhere || !inside_foreign {
            self.undriven_poll.set(None);
            return false;
        }
        let runs = core.loop_entries();
        if self.undriven_poll.replace(Some(runs)) == Some(runs) {
            return true;
        }
        cx.waker().wake_by_ref();
        false
    }

    pub(crate) fn set_task(&self, task: &Arc<TaskCell>) {
        *self.task.borrow_mut() = Some(Arc::downgrade(task));
    }

    fn complete(&self, result: Result<T, JoinError>) {
        *self.result.borrow_mut() = Some(result);
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }
}

/// What the executor should record when a task without a `JoinHandle` panics.
pub(crate) type PanicSink = Rc<dyn Fn(String)>;

/// The future actually stored in a task: runs the user's future, catches its panic, and
/// delivers the result to the `JoinHandle`.
pub(crate) struct Spawned<F: Future> {
    future: Option<F>,
    join: Rc<JoinState<F::Output>>,
    on_orphan_panic: PanicSink,
}

impl<F: Future> Spawned<F> {
    pub(crate) fn new(
        future: F,
        join: Rc<JoinState<F::Output>>,
        on_orphan_panic: PanicSink,
    ) -> Self {
        Self {
            future: Some(future),
            join,
            on_orphan_panic,
        }
    }
}

impl<F: Future> Drop for Spawned<F> {
    fn drop(&mut self) {
        // Dropped in place (never moved out): see `poll`.
        let unfinished = self.future.is_some();
        self.future = None;
        if unfinished && self.join.result.borrow().is_none() {
            self.join.complete(Err(JoinError::Cancelled));
        }
    }
}

impl<F: Future> Future for Spawned<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: `future` is structurally pinned: it is never moved out, only dropped in
        // place (by assigning None), which the pinning guarantee allows; the other fields
        // are not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        if this.join.aborted.get() {
            this.future = None;
            this.join.complete(Err(JoinError::Cancelled));
            return Poll::Ready(());
        }
        let Some(future) = this.future.as_mut() else {
            return Poll::Ready(());
        };
        // SAFETY: the future is pinned inside the pinned Spawned and never moved.
        let future = unsafe { Pin::new_unchecked(future) };
        match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => {
                this.future = None;
                this.join.complete(Ok(value));
                Poll::Ready(())
            }
            Err(payload) => {
                let message = panic_message(payload.as_ref());
                this.future = None;
                if this.join.detached.get() {
                    (this.on_orphan_panic)(message.clone());
                }
                this.join.complete(Err(JoinError::Panicked(message)));
                Poll::Ready(())
            }
        }
    }
}

/// Awaits a task spawned with [`Executor::spawn`](crate::Executor::spawn).
///
/// Resolves to the task's output, or [`JoinError::Panicked`] if it panicked (the panic is
/// caught, never propagated), or [`JoinError::Cancelled`] if it was aborted or its
/// executor was dropped first. Dropping the handle detaches the task (it keeps running).
///
/// Await it inside a task of its executor, or with [`Executor::block_on`]; awaited from
/// another executor, that executor must also run this one on this thread (say a task of a
/// tokio `LocalSet` calling [`Executor::run_until_idle`]). Awaited inside futures'
/// `block_on` or `LocalPool` (or, with the `tokio` feature, tokio's `block_on`) while
/// nothing does, it resolves at once (on its second poll) to [`JoinError::NotDriven`]
/// instead of waiting forever.
///
/// # Panics
///
/// With the `tokio` feature, when awaited inside a tokio `block_on` that was itself called
/// inside a task of a corobridge executor: that executor's loop is blocked, so the wait
/// could never end.
///
/// [`Executor::block_on`]: crate::Executor::block_on
/// [`Executor::run_until_idle`]: crate::Executor::run_until_idle
pub struct JoinHandle<T> {
    state: Rc<JoinState<T>>,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(state: Rc<JoinState<T>>) -> Self {
        Self { state }
    }

    /// True once the task has finished (with a value, a panic, or cancellation).
    pub fn is_finished(&self) -> bool {
        self.state.result.borrow().is_some()
    }

    /// Cancels the task: its future is dropped on the executor's next turn (or right now
    /// if it is not running), and the handle resolves to `Err(JoinError::Cancelled)`.
    pub fn abort(&self) {
        if self.is_finished() {
            return;
        }
        self.state.aborted.set(true);
        let task = self
            .state
            .task
            .borrow()
            .as_ref()
            .and_then(std::sync::Weak::upgrade);
        if let Some(task) = task {
            task.schedule();
        }
    }

    /// The finished task's result, without waiting (None while it runs).
    pub fn try_take(&mut self) -> Option<Result<T, JoinError>> {
        self.state.result.borrow_mut().take()
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        self.state.detached.set(true);
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(result) = self.state.result.borrow_mut().take() {
            return Poll::Ready(result);
        }
        *self.state.waker.borrow_mut() = Some(cx.waker().clone());
        nested_runtime::refuse_if_nested(cx, "the JoinHandle of a corobridge task");
        if self.state.undriven(cx) {
            return Poll::Ready(Err(JoinError::NotDriven));
        }
        Poll::Pending
    }
}

impl<T> std::fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}
