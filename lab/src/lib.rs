//! # corobridge-lab
//!
//! What the `corobridge` command runs, as a library: the seed document's examples and its
//! game world on corobridge, an engine written the way the seed writes it, and the
//! stackful-vs-stackless comparison. Applications link [`corobridge`] alone; this crate is
//! the demonstration and the measuring bench built on it.
//!
//! - [`seed`]: the seed's C++20 examples (`compute_async`, `async_workflow`, `fibonacci`);
//! - [`fiber_seed`]: the seed's stackful example (`coroutine_function`) on a fiber;
//! - [`game`]: the seed's game world and behaviours, on corobridge's `GameEngine` and on
//!   the seed-style `std::priority_queue` engine, and the `game` report;
//! - [`compare`]: the `compare` report (the default command): every coroutine model side
//!   by side, the seed's claims, the game at 1,000,000 NPCs beside its memory floor, and
//!   interop against cxx-async, written as Markdown, JSON and SVG charts;
//! - [`stats`]: medians with their spread;
//! - [`switch_report`]: the `switches` report (round trips, create + run + destroy and
//!   suspended waiters of every model, timed in alternation).

#![warn(missing_docs)]

mod alternation;
pub mod compare;
pub mod fiber_seed;
pub mod game;
mod process_memory;
pub mod seed;
pub mod stats;
pub mod switch_report;
pub mod switch_shape;
mod yield_once;

/// The committed bindgen output of `corobridge-lab/fiber_seed.h` (it allows its own lints).
#[rustfmt::skip]
mod fiber_seed_abi;
