//! The interop rows: Rust awaiting a C++ task that completes at once, and C++ awaiting a
//! ready Rust future, through corobridge (under its own executor and under
//! `futures::executor::block_on`), through cxx-async, and as a `Box::pin`ned Rust future,
//! every contender timed in alternation with the others.

use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;

use corobridge::Executor;
use futures::executor::block_on;
use interop_bench::ffi;

use super::error::{CompareError, check};
use crate::alternation::{Case, alternate};
use crate::stats::Spread;

/// Which way an interop row awaits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Rust `.await`s a C++ task that completes at once.
    RustAwaitsCpp,
    /// C++ `co_await`s a ready Rust future.
    CppAwaitsRust,
}

impl Direction {
    /// In words.
    pub fn label(self) -> &'static str {
        match self {
            Direction::RustAwaitsCpp => "Rust awaits a C++ task that completes at once",
            Direction::CppAwaitsRust => "C++ awaits a ready Rust future",
        }
    }
}

/// One contender's cost per awaited future.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct InteropRow {
    /// Which way.
    pub direction: Direction,
    /// Who bridges (and which executor polls).
    pub contender: String,
    /// Nanoseconds per awaited future.
    pub ns: Spread,
    /// Median over the `Box::pin`ned Rust future's median (1.0 for that row).
    pub vs_box_pin: f64,
    /// cxx-async's median over this row's median (how many times faster than cxx-async).
    pub cxx_async_over_this: f64,
}

/// The contenders, in report order.
const CORO_OWN: &str = "corobridge, own executor";
const CORO_BLOCK_ON: &str = "corobridge, futures block_on";
const CXX_ASYNC: &str = "cxx-async, futures block_on";
const BOX_PIN: &str = "Box::pin Rust future, futures block_on";

async fn rust_negate(n: i64) -> i64 {
    -n
}

/// Awaits `n` futures made by `step` in sequence, checking each.
async fn await_n<F: Future<Output = Result<i64, CompareError>>>(
    n: u32,
    step: impl Fn(i64) -> F,
) -> Result<(), CompareError> {
    for i in 0..i64::from(n) {
        check(step(black_box(i)).await? == -i, "interop")?;
    }
    Ok(())
}

/// A C++ loop awaiting `n` ready futures sums 0..n.
fn sum_check(n: u32, sum: Result<i64, CompareError>) -> Result<(), CompareError> {
    let n = i64::from(n);
    check(sum? == n * (n - 1) / 2, "interop")
}

fn cxx_async_error(e: interop_bench::CxxAsyncException) -> CompareError {
    CompareError::Child {
        what: "cxx-async".to_owned(),
        message: e.what().to_owned(),
    }
}

/// Measures both directions (`rounds` alternating rounds, batches scaled by `scale`).
///
/// # Errors
///
/// [`CompareError`] if a contender fails or gives a wrong result.
pub fn measure(
    rounds: usize,
    scale: f64,
    mut tick: impl FnMut(),
) -> Result<Vec<InteropRow>, CompareError> {
    let executor = Executor::new();
    let executor = &executor;
    let rust_awaits_cpp = vec![
        Case::new(CORO_OWN, 20_000, scale, move |n| {
            executor.block_on(await_n(n, |i| async move { Ok(ffi::cb_negate(i).await?) }))
        }),
        Case::new(CORO_BLOCK_ON, 20_000, scale, |n| {
            block_on(await_n(n, |i| async move { Ok(ffi::cb_negate(i).await?) }))
        }),
        Case::new(CXX_ASYNC, 20_000, scale, |n| {
            block_on(await_n(n, |i| async move {
                ffi::ca_negate(i).await.map_err(cxx_async_error)
            }))
        }),
        Case::new(BOX_PIN, 20_000, scale, |n| {
            block_on(await_n(n, |i| async move {
                let boxed: Pin<Box<dyn Future<Output = i64>>> = Box::pin(rust_negate(i));
                Ok(boxed.await)
            }))
        }),
    ];
    let cpp_awaits_rust = vec![
        Case::new(CORO_OWN, 20_000, scale, move |n| {
            let sum = executor.block_on(ffi::cb_await_ready_loop(i64::from(n)));
            sum_check(n, sum.map_err(CompareError::from))
        }),
        Case::new(CORO_BLOCK_ON, 20_000, scale, |n| {
            let sum = block_on(ffi::cb_await_ready_loop(i64::from(n)).into_future());
            sum_check(n, sum.map_err(CompareError::from))
        }),
        Case::new(CXX_ASYNC, 20_000, scale, |n| {
            let sum = block_on(ffi::ca_await_ready_loop(i64::from(n)));
            sum_check(n, sum.map_err(cxx_async_error))
        }),
        Case::new(BOX_PIN, 20_000, scale, |n| {
            let sum = block_on(async {
                let mut sum = 0i64;
                for i in 0..i64::from(n) {
                    let boxed: Pin<Box<dyn Future<Output = i64> + Send>> =
                        Box::pin(std::future::ready(black_box(i)));
                    sum += boxed.await;
                }
                sum
            });
            sum_check(n, Ok(sum))
        }),
    ];
    let mut rows = Vec::new();
    for (direction, cases) in [
        (Direction::RustAwaitsCpp, rust_awaits_cpp),
        (Direction::CppAwaitsRust, cpp_awaits_rust),
    ] {
        let timed = alternate(rounds, cases, &mut tick)?;
        let median = |name: &str| {
            timed
                .iter()
                .find(|t| t.name == name)
                .map_or(f64::NAN, |t| t.ns_per_op.median)
        };
        let (boxed, cxx_async) = (median(BOX_PIN), median(CXX_ASYNC));
        rows.extend(timed.iter().map(|t| InteropRow {
            direction,
            contender: t.name.to_owned(),
            ns: t.ns_per_op,
            vs_box_pin: t.ns_per_op.median / boxed,
            cxx_async_over_this: cxx_async / t.ns_per_op.median,
        }));
    }
    Ok(rows)
}
