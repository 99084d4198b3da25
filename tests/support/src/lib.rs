//! # corobridge-testkit
//!
//! The cross-language test suite's scenarios and shared helpers (not published; the way
//! cxx keeps its test suite in `tests/ffi`). corobridge's integration tests, doctests and
//! benches use it as a dev-dependency; the library itself never links it.
//!
//! - [`scenarios`]: C++ tasks and generators (every value type, exceptions, timers, drop
//!   counters, long chains) bridged to Rust with cxx.
//! - [`interop_scenarios`]: C++ coroutines that `co_await` Rust futures and streams, the
//!   combinators, `sync_wait`, and C++ async generators.
//! - [`misuse_scenarios`]: C++ misuse that must give clear errors (a task resumed through
//!   its handle, a generator past its end, a finished task awaited again).
//! - [`fiber_scenarios`]: C++ code that runs inside fibers and suspends them from deep
//!   ordinary calls (`extern "C-unwind"`, bindgen output in `fiber_scenarios_abi`).
//! - Helpers the tests repeat: [`poll_once`], [`ms`], [`DropCounter`].

#![warn(missing_docs)]

mod drop_counter;
pub mod fiber_scenarios;
pub mod interop_scenarios;
pub mod misuse_scenarios;
mod poll;
pub mod scenarios;
mod time;

/// The committed bindgen output of `fiber_scenarios.h` (it allows its own lints).
#[rustfmt::skip]
mod fiber_scenarios_abi;

pub use drop_counter::{DropCounter, DropGuard};
pub use poll::poll_once;
pub use time::ms;
