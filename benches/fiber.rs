//! Fiber costs, in one run: a switch (resume + yield round trip, an i32 each way) on raw
//! corosensei, on a corobridge Fiber from Rust to Rust, and on a Fiber whose yield comes
//! from C++ ten ordinary calls deep; then create + run + destroy of a fiber with a pooled
//! stack beside bare corosensei on a reused stack (its floor), with a fresh stack, and a
//! `std::thread` spawn + join for comparison.
//!
//! `cargo bench --bench fiber`

use std::hint::black_box;
use std::time::Duration;

use corobridge::fiber;
use corobridge::{Fiber, FiberStep};
use corobridge_testkit::fiber_scenarios as s;
use corosensei::{Coroutine, CoroutineResult, Yielder};
use criterion::{Criterion, criterion_group, criterion_main};

fn switches(c: &mut Criterion) {
    let mut group = c.benchmark_group("fiber_switch");

    let mut raw = Coroutine::<i32, i32, ()>::new(|yielder, mut value| {
        loop {
            value = yielder.suspend(value + 1);
        }
    });
    group.bench_function("corosensei_raw", |b| {
        b.iter(|| match raw.resume(black_box(1)) {
            CoroutineResult::Yield(v) => v,
            CoroutineResult::Return(()) => unreachable!("loops forever"),
        })
    });

    // The same corosensei switch, suspended from ten ordinary (not inlined) calls deep
    // through a yield function of its own, like the C++ case below: every switch then also
    // returns through real frames on both stacks.
    let mut raw_deep = Coroutine::<i32, i32, ()>::new(|yielder, value| {
        let _ = raw_yield_at_depth(yielder, 10, value);
    });
    group.bench_function("corosensei_raw_depth_10", |b| {
        b.iter(|| match raw_deep.resume(black_box(1)) {
            CoroutineResult::Yield(v) => v,
            CoroutineResult::Return(()) => unreachable!("loops forever"),
        })
    });

    // The same corosensei switch made from C++ ten ordinary calls deep, through a plain
    // Rust function that suspends the yielder: what a C++ yield costs on corosensei alone,
    // without corobridge's fiber (types, exception state, unwinding, current fiber).
    let raw_counters = s::Counters::new();
    let mut raw_cpp = Coroutine::<i32, i32, ()>::new(move |yielder, value| {
        let _ = s::switch_at_depth(10, value, -1, &mut |v| yielder.suspend(v), &raw_counters);
    });
    group.bench_function("corosensei_raw_from_cpp_depth_10", |b| {
        b.iter(|| match raw_cpp.resume(black_box(1)) {
            CoroutineResult::Yield(v) => v,
            CoroutineResult::Return(()) => unreachable!("loops forever"),
        })
    });

    let rust = Fiber::<i32, i32, ()>::new(|mut value| {
        loop {
            value = fiber::yield_value::<i32, i32>(value + 1).expect("inside the fiber");
        }
    })
    .expect("a stack");
    group.bench_function("rust_to_rust", |b| {
        b.iter(|| match rust.resume(black_box(1)) {
            Ok(FiberStep::Yielded(v)) => v,
            other => unreachable!("{other:?}"),
        })
    });

    let counters = s::Counters::new();
    let c2 = counters.clone();
    let cpp = Fiber::<i32, i32, i32>::new(move |start| {
        s::yield_at_depth(10, start, -1, &c2).expect("inside the fiber")
    })
    .expect("a stack");
    let _ = cpp.resume(0);
    group.bench_function("cpp_yield_at_depth_10", |b| {
        b.iter(|| match cpp.resume(black_box(1)) {
            Ok(FiberStep::Yielded(v)) => v,
            other => unreachable!("{other:?}"),
        })
    });
    group.finish();
    // A negative value ends the raw coroutine's C++ loop: it returns instead of unwinding.
    // (A bench filter that skipped it left it unstarted: dropping it then needs nothing.)
    if raw_cpp.started() {
        assert!(matches!(raw_cpp.resume(-1), CoroutineResult::Return(())));
    }
}

#[inline(never)]
fn raw_yield_at_depth(yielder: &Yielder<i32, i32>, depth: u32, mut value: i32) -> i32 {
    if depth > 1 {
        return black_box(raw_yield_at_depth(yielder, depth - 1, value));
    }
    loop {
        value = raw_yield(yielder, value + 1);
    }
}

/// A yield function, as a program would have one (not inlined into its caller).
#[inline(never)]
fn raw_yield(yielder: &Yielder<i32, i32>, value: i32) -> i32 {
    yielder.suspend(value)
}

fn lifecycle(c: &mut Criterion) {
    let mut group = c.benchmark_group("fiber_create_run_destroy");
    group.bench_function("pooled_stack", |b| {
        b.iter(|| {
            let f = Fiber::<(), (), i32>::new(|()| black_box(1)).expect("a stack");
            f.resume(()).expect("runs")
        })
    });
    // The floor of the pooled case: a bare corosensei coroutine created on a ready stack,
    // run to its end and its stack taken back, with nothing of corobridge's fiber (no
    // heap cell, no pool, no C++ base frame, no exception state).
    let mut ready = Some(corosensei::stack::DefaultStack::new(256 * 1024).expect("a stack"));
    group.bench_function("bare_corosensei_reused_stack", |b| {
        b.iter(|| {
            let stack = ready.take().expect("given back each time");
            let mut coroutine =
                Coroutine::<(), (), i32, _>::with_stack(stack, |_, ()| black_box(1));
            let result = coroutine.resume(());
            ready = Some(coroutine.into_stack());
            result
        })
    });
    group.bench_function("fresh_stack", |b| {
        b.iter(|| {
            let f = Fiber::<(), (), i32>::builder()
                .fresh_stack()
                .build(|()| black_box(1))
                .expect("a stack");
            f.resume(()).expect("runs")
        })
    });
    group.bench_function("thread_spawn_join", |b| {
        b.iter(|| std::thread::spawn(|| black_box(1)).join().expect("joins"))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(40);
    targets = switches, lifecycle
}
criterion_main!(benches);
