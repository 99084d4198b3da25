//! The foundation's costs, measured side by side in one run:
//! - one resume of a C++ coroutine by the Rust executor (a `co_await corobridge::yield()`
//!   loop, and timer wakes), beside one poll of a fiber spawned as a task whose C++ code
//!   calls `corobridge::fiber::yield()` once per poll, a bare corosensei switch, and the
//!   same switch made through as many frames as that poll returns through (its floor);
//! - create + run + destroy of a C++ task awaited from Rust, beside the same loop in Rust;
//! - one game frame with 1,000,000 patrolling NPCs on corobridge's engine and on the
//!   seed-style engine (a std::priority_queue of handles), beside the memory floor of such
//!   a frame (`compare::floor`: the same bytes touched with no coroutine machinery).

use std::hint::black_box;
use std::time::{Duration, Instant};

use corobridge::{ClockKind, Executor, Fiber};
use corobridge_lab::compare::floor;
use corobridge_lab::game::{GameWorld, SeedStyleWorld};
use corobridge_lab::switch_shape;
use corobridge_testkit::fiber_scenarios;
use corobridge_testkit::scenarios as s;
use criterion::{Criterion, criterion_group, criterion_main};

fn resume(c: &mut Criterion) {
    let mut group = c.benchmark_group("resume");
    group.bench_function("cpp yield, resumed by executor", |b| {
        b.iter_custom(|iters| {
            let executor = Executor::new();
            let n = i32::try_from(iters).unwrap_or(i32::MAX);
            let start = Instant::now();
            let done = executor.block_on(s::yield_many(n));
            let elapsed = start.elapsed();
            assert_eq!(done, Ok(n));
            elapsed
        });
    });
    group.bench_function("fiber polled as a task, one cpp yield per poll", |b| {
        // A spawned `Fiber<(), (), _>` whose C++ body yields `iters` times: each yield
        // ends a poll with Pending and a wake, and the executor polls it again.
        b.iter_custom(|iters| {
            let executor = Executor::new();
            let n = i32::try_from(iters).unwrap_or(i32::MAX);
            let fiber = Fiber::<(), (), _>::new(move |()| fiber_scenarios::echo_unit(n))
                .expect("a fiber on the default pool");
            let start = Instant::now();
            let handle = executor.spawn(fiber);
            let done = executor.block_on(handle);
            let elapsed = start.elapsed();
            assert!(
                matches!(done, Ok(Ok(Ok(rounds))) if rounds == n),
                "{done:?}"
            );
            elapsed
        });
    });
    // One bare corosensei resume and suspend with no frames around it: the switches alone.
    let mut raw = corosensei::Coroutine::<(), (), ()>::new(|yielder, ()| {
        loop {
            yielder.suspend(());
        }
    });
    group.bench_function(
        "bare corosensei resume+suspend (no frames around the switch)",
        |b| {
            b.iter(|| black_box(raw.resume(())));
        },
    );
    // The floor in the poll's own call shape (see `corobridge_lab::switch_shape`): between
    // its switches a fiber poll returns through three frames on the executor's side
    // (`Fiber::poll`, `Spawned::poll`, `TaskCell::run`) and two on the fiber's
    // (`corobridge_rs_fiber_yield`, `yield_twice_deep`), each return mispredicted after
    // the switch. The same bare switch through as many frames that do nothing else:
    let mut shaped = corosensei::Coroutine::<u32, u32, ()>::new(|yielder, mut value| {
        while value != 0 {
            value = switch_shape::suspend_through(yielder, 2, value);
        }
    });
    group.bench_function(
        "bare corosensei in the poll's call shape (3 + 2 returns per switch)",
        |b| b.iter(|| switch_shape::resume_through(&mut shaped, 3, black_box(1))),
    );
    // (A zero ends its loop: it returns instead of being unwound when dropped.)
    let _ = switch_shape::resume_through(&mut shaped, 1, 0);
    group.bench_function("cpp timer wake, 10k patrolling NPCs", |b| {
        // 10,000 patrol coroutines waiting one 16 ms frame (about 6,800 wake per frame,
        // the others pause at waypoints); reported per resume.
        b.iter_custom(|iters| {
            let mut world = GameWorld::new(ClockKind::Virtual, 10_000, 0).unwrap();
            world.populate(10_000).unwrap();
            world.start().unwrap();
            let frames = iters.div_ceil(6_800).max(1);
            let start = Instant::now();
            let mut resumes = 0;
            for _ in 0..frames {
                resumes += world.frame().unwrap();
            }
            let elapsed = start.elapsed();
            // Report per resume.
            elapsed.mul_f64(iters as f64 / resumes.max(1) as f64)
        });
    });
    group.finish();
}

async fn rust_negate(n: i64) -> i64 {
    -n
}

fn create_run_destroy(c: &mut Criterion) {
    let mut group = c.benchmark_group("create+run+destroy");
    group.bench_function("cpp task awaited from rust", |b| {
        let executor = Executor::new();
        b.iter_custom(|iters| {
            executor.block_on(async {
                let start = Instant::now();
                for i in 0..iters {
                    black_box(s::negate_i64(black_box(i as i64)).await.unwrap());
                }
                start.elapsed()
            })
        });
    });
    group.bench_function("rust async fn (inlined)", |b| {
        let executor = Executor::new();
        b.iter_custom(|iters| {
            executor.block_on(async {
                let start = Instant::now();
                for i in 0..iters {
                    black_box(rust_negate(black_box(i as i64)).await);
                }
                start.elapsed()
            })
        });
    });
    group.bench_function("rust Box::pin future", |b| {
        let executor = Executor::new();
        b.iter_custom(|iters| {
            executor.block_on(async {
                let start = Instant::now();
                for i in 0..iters {
                    let f: std::pin::Pin<Box<dyn std::future::Future<Output = i64>>> =
                        Box::pin(rust_negate(black_box(i as i64)));
                    black_box(f.await);
                }
                start.elapsed()
            })
        });
    });
    group.finish();
}

fn npcs() -> usize {
    std::env::var("COROBRIDGE_BENCH_NPCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn game_frame(c: &mut Criterion) {
    let npcs = npcs();
    let mut group = c.benchmark_group(format!("game frame, {npcs} NPCs"));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    let mut ours = GameWorld::new(ClockKind::Virtual, npcs, 0).unwrap();
    ours.populate(npcs).unwrap();
    ours.start().unwrap();
    group.bench_function("corobridge engine", |b| {
        b.iter(|| black_box(ours.frame().unwrap()))
    });
    drop(ours);
    // The floor: the bytes the frame touches per NPC (its patrol frame's cache lines and
    // its entity record, over as many separately allocated frames), with no coroutine
    // machinery; the ratio corobridge engine / memory floor comes from this one run.
    group.bench_function("memory floor", |b| {
        b.iter_custom(|iters| {
            let floor = floor::measure(npcs, iters as usize).unwrap();
            Duration::from_secs_f64(floor.pass_ms_samples.iter().sum::<f64>() / 1e3)
        })
    });
    let mut seed = SeedStyleWorld::new(npcs).unwrap();
    group.bench_function("seed-style engine", |b| b.iter(|| black_box(seed.frame())));
    group.finish();
}

criterion_group!(benches, resume, create_run_destroy, game_frame);
criterion_main!(benches);
