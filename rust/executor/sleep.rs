//! `sleep`: a Rust future that completes after a duration on the executor's clock.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::context;
use super::core::{Core, thread_mark};
use super::nested_runtime;
use super::registry::Lookup;
use super::timer::{Target, TimerKey};

/// Completes after `duration` on the clock of the corobridge executor that polls it
/// (virtual or real). Dropping it before it fires removes its timer.
///
/// ```
/// use corobridge::{Executor, sleep};
/// use std::time::Duration;
///
/// let executor = Executor::new_virtual();
/// executor.block_on(sleep(Duration::from_secs(3600))); // an hour of virtual time, at once
/// assert_eq!(executor.now(), Duration::from_secs(3600));
/// ```
///
/// # Panics
///
/// When polled outside a corobridge executor, or after its executor was dropped (or from
/// another thread than its executor's); with the `tokio` feature, when polled inside a
/// tokio `block_on` called inside a task of the executor (its loop is blocked there, so the
/// timer could never fire).
pub fn sleep(duration: Duration) -> Sleep {
    Sleep {
        duration,
        registration: None,
    }
}

/// The future returned by [`sleep`]. `Send`: it names its executor by registry key, so it
/// may live inside futures that cross threads (it must be polled on its executor's thread).
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    duration: Duration,
    registration: Option<(u32, TimerKey)>,
}

/// Runs `f` on the executor with `key` if it is alive and this is its thread.
fn with_executor<R>(key: u32, f: impl FnOnce(&Core) -> R) -> Option<R> {
    if let Some(core) = context::current().and_then(Core::from_driver) {
        // SAFETY: the current executor is alive while current.
        let core = unsafe { core.as_ref() };
        if core.key() == key {
            return Some(f(core));
        }
    }
    match Core::with_registered(key, thread_mark(), f) {
        Lookup::Ran(result) => Some(result),
        Lookup::Gone | Lookup::OtherThread => None,
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.registration {
            None => {
                let core = context::current()
                    .and_then(Core::from_driver)
                    .expect("corobridge::sleep must be polled by a corobridge executor");
                // SAFETY: the current executor is alive while current.
                let core = unsafe { core.as_ref() };
                let nanos = u64::try_from(self.duration.as_nanos()).unwrap_or(u64::MAX);
                if nanos == 0 {
                    return Poll::Ready(());
                }
                let key = core.add_timer(nanos, Target::Waker(cx.waker().clone()));
                self.registration = Some((core.key(), key));
                nested_runtime::refuse_if_nested(cx, "a corobridge::sleep");
                Poll::Pending
            }
            Some((executor, key)) => {
                let pending = with_executor(executor, |core| core.timer_refresh_waker(key, cx.waker()))
                    .expect("a corobridge::sleep was polled after its executor was dropped, or on another thread");
                if pending {
                    nested_runtime::refuse_if_nested(cx, "a corobridge::sleep");
                    Poll::Pending
                } else {
                    self.registration = None;
                    self.duration = Duration::ZERO;
                    Poll::Ready(())
                }
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some((executor, key)) = self.registration.take() {
            // Elsewhere (another thread, or the executor gone) the entry is left to fire
            // into a waker nobody listens to any more: harmless.
            with_executor(executor, |core| drop(core.cancel_timer(key)));
        }
    }
}
