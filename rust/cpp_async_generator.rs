//! Rust consumes a C++ `corobridge::async_generator<T>` as a `futures_core::Stream`.

use std::ffi::c_void;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, ready};

use futures_core::Stream;

use crate::cpp_step::Stepper;
use crate::ffi;
use crate::{BridgeValue, Error};

/// A C++ `corobridge::async_generator<T>` that crossed into Rust, not started yet.
///
/// Like [`CppTask`](crate::CppTask) it has the C++ object's layout, so a `#[cxx::bridge]`
/// returns it by value (`type async_generator_i32 = corobridge::CppAsyncGenerator<i32>;`).
/// Turn it into a [`CppStream`] with [`CppAsyncGenerator::into_stream`].
#[repr(C)]
pub struct CppAsyncGenerator<T: BridgeValue> {
    frame: Option<NonNull<c_void>>,
    state: *mut u64,
    _value: PhantomData<fn() -> T>,
}

// SAFETY: as for CppTask: the frame is not tied to a thread until a driver resumes it.
unsafe impl<T: BridgeValue> Send for CppAsyncGenerator<T> {}

impl<T: BridgeValue> CppAsyncGenerator<T> {
    /// The generator as a stream of `Result<T, Error>` (an exception ends it with one `Err`).
    pub fn into_stream(mut self) -> CppStream<T> {
        let frame = self.frame.take();
        CppStream {
            stepper: Stepper::new(
                frame,
                NonNull::new(self.state).unwrap_or(NonNull::dangling()),
            ),
            ended: false,
        }
    }
}

impl<T: BridgeValue> Drop for CppAsyncGenerator<T> {
    fn drop(&mut self) {
        if let Some(frame) = self.frame.take() {
            // SAFETY: an unstarted generator is owned by this object and registered nowhere.
            unsafe { ffi::destroy(frame.as_ptr()) };
        }
    }
}

impl<T: BridgeValue> std::fmt::Debug for CppAsyncGenerator<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CppAsyncGenerator")
            .field("type", &std::any::type_name::<T>())
            .field("empty", &self.frame.is_none())
            .finish()
    }
}

/// A C++ async generator as a Rust `Stream` of `Result<T, Error>`.
///
/// Under any executor, like [`CppTaskFuture`](crate::CppTaskFuture). An exception thrown
/// by the body ends the stream with one `Err` item. Dropping it destroys the body where it
/// is suspended (its locals' destructors run, its registrations go).
///
/// ```
/// use corobridge::Executor;
/// use corobridge_testkit::interop_scenarios;
/// use futures::StreamExt;
///
/// let executor = Executor::new_virtual();
/// let ticks: Vec<_> = executor.block_on(interop_scenarios::ticks(3, 10).into_stream().collect());
/// assert_eq!(ticks, [Ok(0), Ok(1), Ok(2)]);
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct CppStream<T: BridgeValue> {
    stepper: Stepper<Result<Option<T>, Error>>,
    ended: bool,
}

impl<T: BridgeValue> Unpin for CppStream<T> {}

impl<T: BridgeValue> Stream for CppStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.ended || !this.stepper.has_frame() {
            return Poll::Ready(None);
        }
        match ready!(this.stepper.poll_step(cx)) {
            Ok(Some(item)) => Poll::Ready(Some(Ok(item))),
            Ok(None) => {
                this.ended = true;
                this.stepper.destroy();
                Poll::Ready(None)
            }
            Err(error) => {
                this.ended = true;
                if error != Error::ExecutorGone {
                    this.stepper.destroy();
                }
                Poll::Ready(Some(Err(error)))
            }
        }
    }
}

impl<T: BridgeValue> std::fmt::Debug for CppStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CppStream")
            .field("type", &std::any::type_name::<T>())
            .field("phase", &self.stepper.phase_name())
            .finish()
    }
}
