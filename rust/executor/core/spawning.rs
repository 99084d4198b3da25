//! What the executor owns: spawned Rust tasks and C++ root tasks.

use std::ffi::c_void;
use std::future::Future;
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Core;
use crate::Error;
use crate::error::describe_task_error;
use crate::executor::TaskFailure;
use crate::executor::roots::RootId;
use crate::executor::task::TaskCell;
use crate::ffi;
use crate::ffi::abi::{
    COROBRIDGE_KIND_MASK, COROBRIDGE_KIND_NONE, COROBRIDGE_STATE_DONE, COROBRIDGE_STATE_ERROR,
};

impl Core {
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

    /// Forgets the finished task at `task` (its node's address) that was kept in `slot`.
    pub(super) fn forget_task(&self, slot: usize, task: NonNull<()>) {
        let mut tasks = self.tasks.borrow_mut();
        if let Some(entry) = tasks.entries.get_mut(slot)
            && entry
                .as_ref()
                .is_some_and(|t| std::ptr::eq(Arc::as_ptr(t).cast(), task.as_ptr()))
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

    pub(super) fn start_roots(&self) -> u64 {
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
        if self.resuming.get() {
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
}
