//! Property-based interleavings (proptest): random sequences of spawning C++ tasks and
//! Rust futures (some awaiting C++), cancelling them, advancing virtual time, waking C++
//! waiters from other threads, and suspending and dropping fibers. After every case:
//! every unit that started ended exactly once (C++ guard destructors and Rust drop guards
//! match their constructions), every join handle resolves exactly once, and shutdown
//! accounts for everything still pending.
//!
//! 1,000 cases by default; `COROBRIDGE_PROPTEST_CASES=100000 cargo test --test
//! interleavings` for a soak run. A failure prints the minimal failing sequence and its
//! seed (proptest's regression file, `tests/interleavings.proptest-regressions`, replays
//! it on the next run).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use corobridge::{Executor, Fiber, FiberError, JoinError, JoinHandle, RootId, fiber};
use corobridge_testkit::{DropCounter, scenarios as s};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    /// A C++ task with a guard, sleeping `ms` on the virtual clock.
    SpawnCpp(i64),
    /// A Rust future with a drop guard, sleeping `ms`.
    SpawnRust(u64),
    /// A Rust future with a drop guard awaiting a guarded C++ task that sleeps `ms`.
    SpawnRustAwaitingCpp(i64),
    /// A guarded C++ task waiting on a new event.
    SpawnEventWaiter,
    /// Sets event `n % events` from another thread.
    WakeFromThread(usize),
    /// Cancels C++ root `n % roots` (cancel_cpp).
    CancelCpp(usize),
    /// Aborts Rust task `n % tasks` (drops its future, and the C++ task it awaits).
    AbortRust(usize),
    /// Advances virtual time.
    Advance(u64),
    /// A fiber with a drop guard that sleeps `ms` inside `fiber::sleep`.
    SpawnFiber(u64),
    /// Drops fiber `n % fibers` (aborts its task: the fiber is unwound mid-suspend).
    DropFiber(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0i64..40).prop_map(Op::SpawnCpp),
        (0u64..40).prop_map(Op::SpawnRust),
        (0i64..40).prop_map(Op::SpawnRustAwaitingCpp),
        Just(Op::SpawnEventWaiter),
        any::<usize>().prop_map(Op::WakeFromThread),
        any::<usize>().prop_map(Op::CancelCpp),
        any::<usize>().prop_map(Op::AbortRust),
        (0u64..30).prop_map(Op::Advance),
        (0u64..40).prop_map(Op::SpawnFiber),
        any::<usize>().prop_map(Op::DropFiber),
    ]
}

type FiberJoin = JoinHandle<Result<Result<(), FiberError>, FiberError>>;

/// What one case created, to account for at its end.
#[derive(Default)]
struct World {
    roots: Vec<RootId>,
    tasks: Vec<JoinHandle<Result<(), corobridge::Error>>>,
    fibers: Vec<FiberJoin>,
    events: Vec<cxx::SharedPtr<s::Event>>,
    rust_started: Arc<AtomicUsize>,
}

fn run_case(ops: &[Op]) -> Result<(), TestCaseError> {
    let counters = s::new_counters();
    let drops = DropCounter::new();
    let executor = Executor::new_virtual();
    let mut world = World::default();
    for op in ops {
        match *op {
            Op::SpawnCpp(ms) => world.roots.push(
                executor
                    .spawn_cpp(s::guarded_sleep(counters.clone(), ms))
                    .unwrap(),
            ),
            Op::SpawnRust(ms) => {
                let (guard, started) = (drops.guard(), world.rust_started.clone());
                world.tasks.push(executor.spawn(async move {
                    started.fetch_add(1, Ordering::Relaxed);
                    let _guard = guard;
                    corobridge::sleep(Duration::from_millis(ms)).await;
                    Ok(())
                }));
            }
            Op::SpawnRustAwaitingCpp(ms) => {
                let (guard, started, c) =
                    (drops.guard(), world.rust_started.clone(), counters.clone());
                world.tasks.push(executor.spawn(async move {
                    started.fetch_add(1, Ordering::Relaxed);
                    let _guard = guard;
                    s::guarded_sleep(c, ms).await
                }));
            }
            Op::SpawnEventWaiter => {
                let event = s::new_event();
                world.roots.push(
                    executor
                        .spawn_cpp(s::guarded_wait(counters.clone(), event.clone()))
                        .unwrap(),
                );
                world.events.push(event);
            }
            Op::WakeFromThread(n) if !world.events.is_empty() => {
                let event = world.events[n % world.events.len()].clone();
                std::thread::spawn(move || s::set_event(&event))
                    .join()
                    .unwrap();
            }
            Op::CancelCpp(n) if !world.roots.is_empty() => {
                executor.cancel_cpp(world.roots[n % world.roots.len()]);
            }
            Op::AbortRust(n) if !world.tasks.is_empty() => {
                world.tasks[n % world.tasks.len()].abort();
            }
            Op::Advance(ms) => {
                executor.advance(Duration::from_millis(ms)).unwrap();
            }
            Op::SpawnFiber(ms) => {
                let (guard, started) = (drops.guard(), world.rust_started.clone());
                let fiber = Fiber::<(), (), Result<(), FiberError>>::new(move |()| {
                    started.fetch_add(1, Ordering::Relaxed);
                    let _guard = guard;
                    fiber::sleep(Duration::from_millis(ms))
                })
                .unwrap();
                world.fibers.push(executor.spawn(fiber));
            }
            Op::DropFiber(n) if !world.fibers.is_empty() => {
                world.fibers[n % world.fibers.len()].abort();
            }
            _ => {}
        }
        executor.run_until_idle();
        // Never more destructions than constructions: nothing ended twice.
        prop_assert!(s::destroyed(&counters) <= s::constructed(&counters));
    }

    let cancelled = executor.shutdown();
    // Every C++ unit that started ended exactly once.
    prop_assert_eq!(s::constructed(&counters), s::destroyed(&counters));
    // Every Rust future and fiber made was dropped exactly once (started or not).
    let made = world.tasks.len() + world.fibers.len();
    prop_assert_eq!(drops.dropped(), made);
    prop_assert!(world.rust_started.load(Ordering::Relaxed) <= made);
    // Every handle resolves exactly once: done, or cancelled.
    let mut finished = 0;
    for task in &mut world.tasks {
        match task.try_take() {
            Some(Ok(Ok(()))) => finished += 1,
            Some(Err(JoinError::Cancelled)) => {}
            other => prop_assert!(false, "a Rust task ended as {:?}", other),
        }
        prop_assert!(task.try_take().is_none());
    }
    for fiber in &mut world.fibers {
        match fiber.try_take() {
            Some(Ok(Ok(Ok(())))) => finished += 1,
            Some(Err(JoinError::Cancelled)) => {}
            other => prop_assert!(false, "a fiber ended as {:?}", other),
        }
        prop_assert!(fiber.try_take().is_none());
    }
    prop_assert!(cancelled.rust_tasks <= made - finished);
    prop_assert!(cancelled.cpp_tasks <= world.roots.len());
    Ok(())
}

fn cases() -> u32 {
    std::env::var("COROBRIDGE_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn every_unit_ends_exactly_once(ops in prop::collection::vec(op(), 1..24)) {
        run_case(&ops)?;
    }
}
