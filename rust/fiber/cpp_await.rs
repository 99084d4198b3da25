//! A C++20 coroutine `co_await`s a fiber's completion.

use super::{Fiber, FiberError};
use crate::{BridgeValue, RustFuture};

impl<R: BridgeValue> Fiber<(), (), R> {
    /// Hands the fiber to C++ as a `corobridge::rust_future<R>`: a C++ coroutine
    /// `co_await`s its completion (the fiber runs, and waits, whenever the coroutine's
    /// driver polls it). A failure ([`FiberError`]: a panic, a C++ exception that escaped
    /// the fiber, ...) is thrown at the `co_await` as `corobridge::rust_error` carrying the
    /// error's message. Destroying the awaiting coroutine destroys the fiber (its stack
    /// unwinds through its C++ frames).
    ///
    /// Fibers stay on their thread: await it from a coroutine driven on the thread that
    /// created it (see [`RustFuture::from_local`]).
    ///
    /// ```
    /// use corobridge::{Executor, Fiber, fiber};
    /// use corobridge_testkit::interop_scenarios;
    /// use std::time::Duration;
    ///
    /// let executor = Executor::new_virtual();
    /// let job = Fiber::<(), (), i32>::new(|()| {
    ///     fiber::sleep(Duration::from_millis(40)).unwrap(); // suspends only this fiber
    ///     7
    /// })
    /// .unwrap();
    /// // A C++ task<int32_t> that co_awaits the fiber.
    /// let value = executor.block_on(interop_scenarios::await_i32(job.into_cpp()));
    /// assert_eq!(value, Ok(7));
    /// assert_eq!(executor.now(), Duration::from_millis(40));
    /// ```
    pub fn into_cpp(self) -> RustFuture<R> {
        RustFuture::from_local::<_, FiberError>(self)
    }
}
