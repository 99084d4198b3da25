//! # corobridge
//!
//! C++20 coroutines and Rust async code in one world.
//!
//! - Rust `.await`s a C++ [`corobridge::task<T>`](CppTask) and iterates a C++
//!   [`generator<T>`](CppGenerator), under corobridge's [`Executor`] or any other.
//! - One Rust [`Executor`] resumes C++ `std::coroutine_handle`s and polls Rust futures
//!   alike, with a timer queue on a real or virtual clock (the seed's `GameTimer`).
//! - C++ exceptions reach Rust as typed [`Error`]s; dropping a task destroys its frame.
//! - Stackful [`Fiber`]s that Rust and C++ code suspend from any call depth, which are
//!   themselves futures and wait for futures and C++ tasks in blocking style ([`fiber`]).
//!
//! The C++ half lives in `include/corobridge/` (task.hpp, generator.hpp, awaiters.hpp,
//! game_timer.hpp, executor.hpp, event.hpp); see README.md for how to use it from a crate
//! of your own.
//!
//! ## Features
//!
//! - `tokio` (off by default): corobridge sees tokio runtimes on the thread, so a tokio
//!   `block_on` nested inside a corobridge task is refused at once with a message instead
//!   of hanging, and a [`JoinHandle`] awaited under tokio's `block_on` while nothing runs
//!   its executor resolves to [`JoinError::NotDriven`]; the C++ timers (`sleep_for`,
//!   `GameTimer::wait_for`) of a C++ task that tokio drives wait on tokio's timer (without
//!   the feature, on corobridge's one timer thread).

#![warn(missing_docs)]

mod bridge_value;
mod completion;
mod cpp_async_generator;
mod cpp_generator;
mod cpp_step;
mod cpp_task;
mod erased_poll;
mod error;
pub mod executor;
mod exports;
mod ffi;
pub mod fiber;
mod pooled;
mod rust_future;
mod rust_stream;

pub use bridge_value::{
    AsyncGeneratorAlias, BridgeValue, FutureAlias, GeneratorAlias, StreamAlias, TaskAlias,
};
pub use cpp_async_generator::{CppAsyncGenerator, CppStream};
pub use cpp_generator::CppGenerator;
pub use cpp_task::{CppTask, CppTaskFuture};
pub use error::{CppException, Error, JoinError};
pub use executor::{
    ClockKind, Executor, JoinHandle, RootId, Shutdown, Sleep, Stats, TaskFailure, sleep,
};
pub use fiber::{Fiber, FiberBuilder, FiberError, FiberStep, StackLayout, StackPool};
pub use rust_future::RustFuture;
pub use rust_stream::RustStream;

#[doc(hidden)]
pub use cxx;
