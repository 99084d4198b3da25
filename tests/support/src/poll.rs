//! Polling a future exactly once inside an executor.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use corobridge::Executor;

/// Polls `future` once inside `executor` (so a C++ task binds to it and its timers join
/// that executor's queue); returns true if the future is still pending.
///
/// ```
/// use corobridge::Executor;
/// let executor = Executor::new_virtual();
/// let mut sleeping = Box::pin(corobridge::sleep(corobridge_testkit::ms(10)));
/// assert!(corobridge_testkit::poll_once(&executor, &mut sleeping));
/// ```
pub fn poll_once<F: Future + Unpin>(executor: &Executor, future: &mut F) -> bool {
    executor.block_on(std::future::poll_fn(|cx: &mut Context<'_>| {
        Poll::Ready(Pin::new(&mut *future).poll(cx).is_pending())
    }))
}
