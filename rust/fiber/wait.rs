//! Blocking-style waits inside a fiber: only the fiber is suspended while the executor
//! that polls it runs other work.

use std::future::{Future, IntoFuture};
use std::pin::pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::FiberError;
use super::current::{self, Header};
use crate::executor;
use crate::executor::core::Core;

/// Waits for a future from inside a fiber, at any call depth, as if it were a blocking
/// call: the fiber suspends (its whole stack is kept) and the executor polling the fiber
/// runs other work until the future's waker fires. Works for any future: a Rust future,
/// a C++ `task<T>` (a [`CppTask`](crate::CppTask)), a [`sleep`](crate::sleep), another
/// fiber.
///
/// The fiber must be polled as a future (spawned on an executor, or `.await`ed), since the
/// wait needs that poll's waker.
///
/// ```
/// use corobridge::{Executor, Fiber, fiber};
/// use corobridge_testkit::scenarios;
///
/// let executor = Executor::new_virtual();
/// let blocking_style = Fiber::<(), (), i32>::new(|()| {
///     fiber::sleep(std::time::Duration::from_millis(16)).unwrap();
///     // A C++ task<int32_t> that sleeps 50 ms, then produces 2 + 3.
///     fiber::await_future(scenarios::add_after(2, 3, 50)).unwrap().unwrap()
/// })
/// .unwrap();
/// assert_eq!(executor.block_on(blocking_style), Ok(5));
/// assert_eq!(executor.now(), std::time::Duration::from_millis(66));
/// ```
///
/// # Errors
///
/// [`FiberError::NotInFiber`] outside a fiber; [`FiberError::NotPolled`] in a fiber driven
/// by [`Fiber::resume`](crate::Fiber::resume).
///
/// # Panics
///
/// When the fiber is destroyed while waiting here, this unwinds (dropping the future) so
/// that every frame above runs its destructors: let it propagate.
pub fn await_future<F: IntoFuture>(future: F) -> Result<F::Output, FiberError> {
    // SAFETY: used only below, on the running fiber's stack.
    let header = unsafe { current::current() }.ok_or(FiberError::NotInFiber)?;
    if header.context.get().is_null() {
        return Err(FiberError::NotPolled);
    }
    let mut future = pin!(future.into_future());
    loop {
        header.continue_unwinding();
        let Some(cx) = poll_context(header) else {
            return Err(FiberError::NotPolled);
        };
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Ok(output);
        }
        (header.suspend_pending)(header);
        header.continue_unwinding();
    }
}

/// The context of the poll running the fiber (each poll installs its own).
fn poll_context<'a>(header: &Header) -> Option<&'a mut Context<'a>> {
    let raw = header.context.get().cast::<Context<'a>>();
    // SAFETY: set by `Fiber::poll` to its own `&mut Context` for exactly the duration of
    // the resume that runs this code, and cleared before that poll returns.
    unsafe { raw.as_mut() }
}

/// Suspends only this fiber for `duration` on the clock of the corobridge executor polling
/// it (the clock `GameTimer` uses: virtual or real).
///
/// ```
/// use corobridge::{Executor, Fiber, fiber};
/// use std::time::Duration;
///
/// let executor = Executor::new_virtual();
/// let napper = Fiber::<(), (), ()>::new(|()| fiber::sleep(Duration::from_secs(60)).unwrap()).unwrap();
/// executor.block_on(napper).unwrap();
/// assert_eq!(executor.now(), Duration::from_secs(60));
/// ```
///
/// # Errors
///
/// As [`await_future`], and [`FiberError::NoExecutor`] when no corobridge executor runs
/// on this thread.
pub fn sleep(duration: Duration) -> Result<(), FiberError> {
    // SAFETY: used only below, on the running fiber's stack.
    let header = unsafe { current::current() }.ok_or(FiberError::NotInFiber)?;
    if header.context.get().is_null() {
        return Err(FiberError::NotPolled);
    }
    if executor::current().and_then(Core::from_driver).is_none() {
        return Err(FiberError::NoExecutor);
    }
    await_future(crate::sleep(duration))
}
