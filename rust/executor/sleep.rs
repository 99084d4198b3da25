//! `sleep`: a Rust future that completes after a duration on the executor's clock.

use std::future::Future;
use std::pin::Pin;
use std::rc::Weak;
use std::task::{Context, Poll};
use std::time::Duration;

use super::context;
use super::core::Core;
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
/// When polled outside a corobridge executor, or after its executor was dropped.
pub fn sleep(duration: Duration) -> Sleep {
    Sleep {
        duration,
        registration: None,
    }
}

/// The future returned by [`sleep`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    duration: Duration,
    registration: Option<(Weak<Core>, TimerKey)>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match &self.registration {
            None => {
                let core = context::current()
                    .and_then(|driver| driver.executor())
                    .expect("corobridge::sleep must be polled by a corobridge executor");
                // SAFETY: the current executor is alive while current.
                let core = unsafe { core.as_ref() };
                let nanos = u64::try_from(self.duration.as_nanos()).unwrap_or(u64::MAX);
                if nanos == 0 {
                    return Poll::Ready(());
                }
                let key = core.add_timer(nanos, Target::Waker(cx.waker().clone()));
                self.registration = Some((core.weak(), key));
                Poll::Pending
            }
            Some((core, key)) => {
                let core = core
                    .upgrade()
                    .expect("the executor of a corobridge::sleep was dropped");
                if core.timer_refresh_waker(*key, cx.waker()) {
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
        if let Some((core, key)) = self.registration.take()
            && let Some(core) = core.upgrade()
        {
            core.cancel_timer(key);
        }
    }
}
