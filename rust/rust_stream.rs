//! C++ consumes Rust streams: `while (auto v = co_await stream.next())`.

use std::fmt::Display;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::BridgeValue;
use crate::pooled;
use crate::rust_future::{PollHeader, PollVTable, Sink};

#[repr(C)]
struct ErasedStream<S> {
    header: PollHeader,
    ended: bool,
    stream: S,
}

impl<T, S: Stream<Item = Result<T, String>>> ErasedStream<S> {
    const VTABLE: PollVTable = PollVTable {
        poll: Self::poll,
        drop: Self::drop,
    };

    unsafe fn poll(header: NonNull<PollHeader>, cx: &mut Context<'_>, sink: Sink<'_>) -> Poll<()> {
        // SAFETY: the header is the first field of a pooled ErasedStream<S> (made by
        // `RustStream::from_items`), which never moves; polled from one thread at a time,
        // and the sink's awaiter expects a T.
        unsafe {
            let this = &mut *header.as_ptr().cast::<Self>();
            if this.ended {
                sink.deliver::<T>(Ok(None));
                return Poll::Ready(());
            }
            // The stream is pinned inside its box and never moved out.
            let stream = Pin::new_unchecked(&mut this.stream);
            match catch_unwind(AssertUnwindSafe(|| stream.poll_next(cx))) {
                Ok(Poll::Pending) => return Poll::Pending,
                Ok(Poll::Ready(item)) => {
                    this.ended = item.is_none();
                    sink.deliver(Ok(item));
                }
                Err(payload) => {
                    this.ended = true;
                    sink.deliver::<T>(Err(payload));
                }
            }
        }
        Poll::Ready(())
    }

    unsafe fn drop(header: NonNull<PollHeader>) {
        // SAFETY: made by pooled::boxed in `RustStream::from_items`; dropped once.
        unsafe { pooled::free(header.cast::<Self>()) };
    }
}

/// Maps a stream's items (a projection of the inner stream, structurally pinned).
struct MapItems<S, M> {
    stream: S,
    map: M,
}

impl<S: Stream, M: FnMut(S::Item) -> R, R> Stream for MapItems<S, M> {
    type Item = R;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<R>> {
        // SAFETY: `stream` is structurally pinned (never moved out); `map` is not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let stream = unsafe { Pin::new_unchecked(&mut this.stream) };
        stream.poll_next(cx).map(|item| item.map(&mut this.map))
    }
}

/// A Rust stream handed to C++, where it is consumed as `corobridge::rust_stream<T>`:
/// `while (auto v = co_await stream.next())`. An `Err` item of a [`RustStream::fallible`]
/// stream is thrown as `corobridge::rust_error` by that `next()`. Dropping it drops the
/// stream.
///
/// ```
/// let numbers = corobridge::RustStream::new(futures::stream::iter([1i32, 2, 3]));
/// # drop(numbers);
/// ```
#[repr(transparent)]
pub struct RustStream<T: BridgeValue> {
    poll: NonNull<PollHeader>,
    _value: PhantomData<fn() -> T>,
}

// SAFETY: the boxed stream is Send (required by the constructors) and T is Send.
unsafe impl<T: BridgeValue> Send for RustStream<T> {}

impl<T: BridgeValue> RustStream<T> {
    /// Wraps a stream of `T`.
    pub fn new<S>(stream: S) -> Self
    where
        S: Stream<Item = T> + Send + 'static,
    {
        Self::from_items(MapItems { stream, map: Ok })
    }

    /// Wraps a stream of `Result<T, E>`; an `Err` item is thrown in C++ as
    /// `corobridge::rust_error` by the `next()` that receives it.
    pub fn fallible<S, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<T, E>> + Send + 'static,
        E: Display,
    {
        Self::from_items(MapItems {
            stream,
            map: |item: Result<T, E>| item.map_err(|e| e.to_string()),
        })
    }

    fn from_items<S>(stream: S) -> Self
    where
        S: Stream<Item = Result<T, String>> + Send + 'static,
    {
        let boxed = pooled::boxed(ErasedStream {
            header: PollHeader {
                vtable: &ErasedStream::<S>::VTABLE,
            },
            ended: false,
            stream,
        });
        Self {
            poll: boxed.cast(),
            _value: PhantomData,
        }
    }
}

impl<T: BridgeValue> Drop for RustStream<T> {
    fn drop(&mut self) {
        // SAFETY: we own the box; its vtable drops it exactly once.
        unsafe { (self.poll.as_ref().vtable.drop)(self.poll) };
    }
}

impl<T: BridgeValue> std::fmt::Debug for RustStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RustStream")
            .field("type", &std::any::type_name::<T>())
            .finish()
    }
}
