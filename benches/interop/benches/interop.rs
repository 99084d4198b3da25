//! Rust <-> C++ await costs, side by side in one run:
//! - Rust awaits a C++ task that completes at once (create + run + destroy), on corobridge,
//!   on cxx-async, and beside the same step written as a Rust `async fn` and as a
//!   `Box::pin`ned future;
//! - C++ awaits a ready Rust future, on corobridge and on cxx-async, beside Rust awaiting a
//!   boxed ready future.
//!
//! Every contender runs under the same executor (`futures::executor::block_on`), so the
//! numbers compare the bridges, not the executors; corobridge is measured under its own
//! executor too.

use std::future::{Future, IntoFuture};
use std::hint::black_box;
use std::pin::Pin;
use std::time::{Duration, Instant};

use corobridge::Executor;
use criterion::{Bencher, Criterion, criterion_group, criterion_main};
use futures::executor::block_on;
use interop_bench::ffi;

async fn rust_negate(n: i64) -> i64 {
    -n
}

/// Times `iters` sequential awaits of `step(i)` inside one `run` (an executor's block_on).
fn await_loop<Fut: Future<Output = i64>>(
    b: &mut Bencher<'_>,
    run: impl Fn(Pin<Box<dyn Future<Output = Duration> + '_>>) -> Duration,
    step: impl Fn(i64) -> Fut,
) {
    b.iter_custom(|iters| {
        let step = &step;
        run(Box::pin(async move {
            let start = Instant::now();
            for i in 0..iters {
                black_box(step(black_box(i as i64)).await);
            }
            start.elapsed()
        }))
    });
}

fn rust_awaits_cpp(c: &mut Criterion) {
    let mut group = c.benchmark_group("rust awaits cpp task");
    group.bench_function("corobridge", |b| {
        await_loop(
            b,
            |f| block_on(f),
            |i| async move { ffi::cb_negate(i).await.expect("cb_negate does not throw") },
        );
    });
    group.bench_function("corobridge, own executor", |b| {
        let executor = Executor::new();
        await_loop(
            b,
            |f| executor.block_on(f),
            |i| async move { ffi::cb_negate(i).await.expect("cb_negate does not throw") },
        );
    });
    group.bench_function("cxx-async", |b| {
        await_loop(
            b,
            |f| block_on(f),
            |i| async move { ffi::ca_negate(i).await.expect("ca_negate does not throw") },
        );
    });
    group.bench_function("rust Box::pin future", |b| {
        await_loop(
            b,
            |f| block_on(f),
            |i| {
                let boxed: Pin<Box<dyn Future<Output = i64>>> = Box::pin(rust_negate(i));
                boxed
            },
        );
    });
    group.bench_function("rust async fn (inlined)", |b| {
        await_loop(b, |f| block_on(f), rust_negate);
    });
    group.finish();
}

/// Reports per awaited future: one call awaits `LOOP` of them.
const LOOP: i64 = 1_000;

/// Times calls of `await_loop(LOOP)` (C++ awaiting LOOP ready futures), per future.
fn per_awaited_future(b: &mut Bencher<'_>, await_loop: impl Fn(i64) -> i64) {
    b.iter_custom(|iters| {
        let calls = iters.div_ceil(LOOP as u64).max(1);
        let start = Instant::now();
        for _ in 0..calls {
            assert_eq!(await_loop(black_box(LOOP)), LOOP * (LOOP - 1) / 2);
        }
        start
            .elapsed()
            .mul_f64(iters as f64 / (calls * LOOP as u64) as f64)
    });
}

fn cpp_awaits_rust(c: &mut Criterion) {
    let mut group = c.benchmark_group("cpp awaits ready rust future");
    group.bench_function("corobridge", |b| {
        per_awaited_future(b, |n| {
            block_on(ffi::cb_await_ready_loop(n).into_future()).expect("no throw")
        });
    });
    group.bench_function("cxx-async", |b| {
        per_awaited_future(b, |n| {
            block_on(ffi::ca_await_ready_loop(n)).expect("no throw")
        });
    });
    group.bench_function("rust awaits boxed ready future", |b| {
        b.iter_custom(|iters| {
            block_on(async {
                let start = Instant::now();
                let mut total = 0i64;
                for i in 0..iters {
                    let boxed: Pin<Box<dyn Future<Output = i64> + Send>> =
                        Box::pin(std::future::ready(black_box(i as i64)));
                    total = total.wrapping_add(boxed.await);
                }
                black_box(total);
                start.elapsed()
            })
        });
    });
    group.finish();
}

criterion_group!(benches, rust_awaits_cpp, cpp_awaits_rust);
criterion_main!(benches);
