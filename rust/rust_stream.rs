//! C++ consumes Rust streams: `while (auto v = co_await stream.next())`.

use std::fmt::Display;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::BridgeValue;
use crate::erased_poll::{PollHeader, PollSource, drop_erased, erase};

/// A stream as a source of outcomes until its end.
struct Items<S>(S);

impl<T, S: Stream<Item = Result<T, String>>> PollSource for Items<S> {
    type Value = T;
    const AFTER_LAST: Option<&'static str> = None;

    fn poll_outcome(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T, String>>> {
        // SAFETY: the stream is structurally pinned (never moved out).
        unsafe { self.map_unchecked_mut(|this| &mut this.0) }.poll_next(cx)
    }

    fn is_last(outcome: &Option<Result<T, String>>) -> bool {
        outcome.is_none()
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
        Self {
            poll: erase(Items(stream)),
            _value: PhantomData,
        }
    }
}

impl<T: BridgeValue> Drop for RustStream<T> {
    fn drop(&mut self) {
        // SAFETY: we own the box, dropped once, here.
        unsafe { drop_erased(self.poll) };
    }
}

impl<T: BridgeValue> std::fmt::Debug for RustStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RustStream")
            .field("type", &std::any::type_name::<T>())
            .finish()
    }
}
