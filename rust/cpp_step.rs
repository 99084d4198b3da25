//! Drives a C++ coroutine (a task, or an async generator) from Rust, one step at a time,
//! under any executor.
//!
//! A step runs the coroutine from its resumption to its end or its next `co_yield`.
//! Under corobridge's executor (or inside another C++ task driven from Rust), the
//! coroutine is resumed inline once and then belongs to that driver, which resumes it when
//! whatever it awaits is ready; its completion wakes us. Without any driver on the thread
//! (tokio, `futures::executor`), the stepper keeps a queue of its own and drains it inside
//! `poll`. Either way nothing is resumed inside a waker.

use std::ffi::c_void;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use crate::completion::{Completion, InlineCompletion, StepResult, rust_kind};
use crate::executor::binding::{self, Binding, Here};
use crate::executor::local_driver::LocalDriver;
use crate::executor::nested_runtime::refuse_if_nested;
use crate::ffi;

/// What a nested runtime's refusal names (see `executor::nested_runtime`).
const SUSPENDED: &str = "a C++ coroutine (task or stream) that suspended";

enum Phase<R> {
    /// Suspended where Rust resumes it (its start, or a yield); keeps its own queue if it
    /// has been driven without an executor.
    Idle { own: Option<Box<LocalDriver>> },
    /// Resumed by a driver that outlives our polls; the completion wakes us.
    Bound {
        completion: Arc<Completion<R>>,
        binding: Binding,
    },
    /// Driven by our own queue, drained inside `poll`.
    Own {
        completion: Arc<Completion<R>>,
        driver: Box<LocalDriver>,
    },
}

/// See the module documentation.
pub(crate) struct Stepper<R: StepResult> {
    frame: Option<NonNull<c_void>>,
    state: NonNull<u64>,
    /// Dropped by hand (see Drop): an idle, finished stepper then costs nothing to drop.
    phase: ManuallyDrop<Phase<R>>,
}

// SAFETY: the frame is resumed only by its driver: inside `poll` (exclusive through `&mut`)
// or by its executor on the executor's thread, and its destruction is sent back to that
// thread when the stepper is dropped elsewhere (see `destroy`). Results are Send.
unsafe impl<R: StepResult> Send for Stepper<R> {}

impl<R: StepResult> Stepper<R> {
    /// Takes ownership of an unstarted coroutine frame and its state word.
    pub(crate) fn new(frame: Option<NonNull<c_void>>, state: NonNull<u64>) -> Self {
        Self {
            frame,
            state,
            phase: ManuallyDrop::new(Phase::Idle { own: None }),
        }
    }

    pub(crate) fn has_frame(&self) -> bool {
        self.frame.is_some()
    }

    fn state_word(&self) -> &AtomicU64 {
        // SAFETY: the state word lives in the frame, which we own while `frame` is Some
        // (callers check); both languages access it atomically.
        unsafe { AtomicU64::from_ptr(self.state.as_ptr()) }
    }

    /// Moves the step's completion to the heap, so that it outlives this poll.
    fn attach_shared(
        &self,
        inline: Option<&InlineCompletion<R>>,
        cx: &Context<'_>,
    ) -> Arc<Completion<R>> {
        let shared = Completion::new(cx.waker());
        let new = rust_kind(shared.base());
        match inline {
            Some(inline) => {
                let swapped = self.state_word().compare_exchange(
                    rust_kind(inline.base()),
                    new,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                );
                debug_assert!(
                    swapped.is_ok(),
                    "a suspended coroutine's state changed under its owner"
                );
            }
            None => self.state_word().store(new, Ordering::Release),
        }
        shared
    }

    /// Polls the current step, starting it if the coroutine is idle. On `Ready`, the
    /// coroutine is suspended at a yield, attached to nothing, or (a task) gone.
    #[inline]
    pub(crate) fn poll_step(&mut self, cx: &mut Context<'_>) -> Poll<R> {
        // The common cases, kept small: an idle coroutine started inline, under the
        // current driver or (under a foreign executor) a driver of our own, that finishes
        // without suspending.
        if let (Some(frame), Phase::Idle { own: None }) = (self.frame, &*self.phase) {
            match binding::here() {
                Here::Inline => {
                    let inline = InlineCompletion::new(R::RELEASES_FRAME);
                    self.attach_inline(&inline);
                    // SAFETY: the frame is ours, suspended; `here` said Inline just now.
                    unsafe { binding::resume_inline(frame) };
                    if let Some(result) = self.take_inline(&inline) {
                        return Poll::Ready(result);
                    }
                    self.bind_to_current(&inline, cx);
                    return Poll::Pending;
                }
                Here::NoDriver => {
                    if let Some(result) = self.run_own(frame, LocalDriver::take(), cx) {
                        return Poll::Ready(result);
                    }
                }
                Here::TooDeep => {}
            }
        }
        self.poll_step_general(cx)
    }

    /// Attaches a completion that lives on the caller's stack frame (it must not move
    /// until the step finishes or `attach_shared` replaces it), for a resumption inside
    /// this poll.
    #[inline]
    fn attach_inline(&self, inline: &InlineCompletion<R>) {
        self.state_word()
            .store(rust_kind(inline.base()), Ordering::Release);
    }

    /// The result of a step that finished inside this poll, if it did.
    #[inline]
    fn take_inline(&mut self, inline: &InlineCompletion<R>) -> Option<R> {
        let result = inline.take()?;
        if R::RELEASES_FRAME {
            // The task destroyed itself after handing over its result.
            self.frame = None;
        }
        Some(result)
    }

    /// Runs the step inline with `driver` (ours) current. If it finishes, returns its
    /// result; otherwise the coroutine stays on our driver (phase `Own`), to be drained.
    fn run_own(
        &mut self,
        frame: NonNull<c_void>,
        driver: Box<LocalDriver>,
        cx: &Context<'_>,
    ) -> Option<R> {
        let inline = InlineCompletion::new(R::RELEASES_FRAME);
        self.attach_inline(&inline);
        // SAFETY: the frame is ours, suspended, and this driver drives it.
        unsafe { driver.resume(frame) };
        if let Some(result) = self.take_inline(&inline) {
            if let Some(driver) = LocalDriver::recycle(driver) {
                self.set_phase(Phase::Idle { own: Some(driver) });
            }
            return Some(result);
        }
        let completion = self.attach_shared(Some(&inline), cx);
        driver.arm_timers(cx);
        self.set_phase(Phase::Own { completion, driver });
        None
    }

    /// After an inline resumption that suspended: the current driver resumes the coroutine
    /// from now on, and its completion wakes us.
    #[cold]
    fn bind_to_current(&mut self, inline: &InlineCompletion<R>, cx: &Context<'_>) {
        let completion = self.attach_shared(Some(inline), cx);
        let Some(binding) = Binding::to_current() else {
            unreachable!("the driver is current across the resumption")
        };
        self.set_phase(Phase::Bound {
            completion,
            binding,
        });
        refuse_if_nested(cx, SUSPENDED);
    }

    /// `poll_step` for every other case.
    #[inline(never)]
    fn poll_step_general(&mut self, cx: &mut Context<'_>) -> Poll<R> {
        loop {
            let Some(frame) = self.frame else {
                return Poll::Pending;
            };
            match &mut *self.phase {
                Phase::Idle { own } => match (own.take(), binding::here()) {
                    (Some(driver), _) => {
                        if let Some(result) = self.run_own(frame, driver, cx) {
                            return Poll::Ready(result);
                        }
                    }
                    (None, Here::NoDriver) => {
                        if let Some(result) = self.run_own(frame, LocalDriver::take(), cx) {
                            return Poll::Ready(result);
                        }
                    }
                    (None, Here::Inline | Here::TooDeep) => {
                        // The fast path declined (too deep to resume inline): queue the
                        // start on the driver.
                        self.defer_start(frame, cx);
                        refuse_if_nested(cx, SUSPENDED);
                        return Poll::Pending;
                    }
                },
                Phase::Bound {
                    completion,
                    binding,
                } => {
                    if let Some(result) = completion.poll_result(cx.waker()) {
                        self.finish_bound();
                        return Poll::Ready(result);
                    }
                    if binding.driver_gone() {
                        return Poll::Ready(R::executor_gone());
                    }
                    refuse_if_nested(cx, SUSPENDED);
                    return Poll::Pending;
                }
                Phase::Own { completion, driver } => {
                    let more = driver.drain_for(cx.waker());
                    if let Some(result) = completion.poll_result(cx.waker()) {
                        let Phase::Own { driver, .. } =
                            std::mem::replace(&mut *self.phase, Phase::Idle { own: None })
                        else {
                            unreachable!("matched above")
                        };
                        self.set_phase(Phase::Idle {
                            own: LocalDriver::recycle(driver),
                        });
                        return Poll::Ready(result);
                    }
                    if more {
                        cx.waker().wake_by_ref();
                    } else {
                        driver.arm_timers(cx);
                    }
                    return Poll::Pending;
                }
            }
        }
    }

    /// Queues the first resumption on the current driver instead of resuming inline
    /// (the native stack is deep already).
    fn defer_start(&mut self, frame: NonNull<c_void>, cx: &Context<'_>) {
        let completion = self.attach_shared(None, cx);
        // SAFETY: the frame is ours, suspended; the binding cancels the start or destroys
        // the frame itself before it can go away.
        let Some(binding) = (unsafe { Binding::defer_start(frame) }) else {
            unreachable!("`here` found a driver current")
        };
        self.set_phase(Phase::Bound {
            completion,
            binding,
        });
    }

    /// Replaces the phase, dropping the previous one.
    fn set_phase(&mut self, phase: Phase<R>) {
        drop(std::mem::replace(&mut *self.phase, phase));
    }

    fn finish_bound(&mut self) {
        if let Phase::Bound { binding, .. } =
            std::mem::replace(&mut *self.phase, Phase::Idle { own: None })
        {
            binding.finish();
        }
    }

    /// Destroys the coroutine (its locals' destructors run, its registrations go), on the
    /// thread of the executor that drives it.
    #[inline]
    pub(crate) fn destroy(&mut self) {
        let Some(frame) = self.frame.take() else {
            return;
        };
        if let Phase::Idle { own: None } = *self.phase {
            // SAFETY: idle: suspended at its start, end or a yield, registered nowhere.
            unsafe { ffi::destroy(frame.as_ptr()) };
            return;
        }
        self.destroy_bound(frame);
    }

    /// `destroy` for a frame that is bound to a driver, or driven by our own.
    fn destroy_bound(&mut self, frame: NonNull<c_void>) {
        match std::mem::replace(&mut *self.phase, Phase::Idle { own: None }) {
            // SAFETY: we own the frame, suspended, driven by our own queue.
            Phase::Idle { own: Some(driver) } => unsafe { driver.destroy(frame) },
            // SAFETY: idle: suspended at its start or a yield, registered nowhere.
            Phase::Idle { own: None } => unsafe { ffi::destroy(frame.as_ptr()) },
            Phase::Bound {
                completion,
                binding,
            } => {
                let finished = completion.is_finished();
                // SAFETY: the frame is ours, bound to that driver; the completion is kept
                // alive until the frame is gone.
                unsafe { binding.destroy(frame, finished, completion) };
            }
            Phase::Own { completion, driver } => {
                // SAFETY: we drive this frame and own it.
                unsafe { driver.destroy(frame) };
                drop(driver);
                drop(completion);
            }
        }
    }

    /// A short name of the phase, for Debug.
    pub(crate) fn phase_name(&self) -> &'static str {
        match (&self.frame, &*self.phase) {
            (None, _) => "finished",
            (Some(_), Phase::Idle { .. }) => "idle",
            (Some(_), Phase::Bound { .. }) => "bound",
            (Some(_), Phase::Own { .. }) => "driving",
        }
    }
}

impl<R: StepResult> Drop for Stepper<R> {
    #[inline]
    fn drop(&mut self) {
        self.destroy();
        if !matches!(*self.phase, Phase::Idle { own: None }) {
            // SAFETY: dropped once, here; the stepper is not used afterwards.
            unsafe { ManuallyDrop::drop(&mut self.phase) };
        }
    }
}
