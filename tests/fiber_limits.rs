//! How many fibers can be alive at once. With slab stacks (`StackLayout::Slab`, the
//! default where the kernel has `MADV_GUARD_INSTALL`), hundreds of guarded stacks share one
//! memory mapping, so 100,000 fibers are alive and suspended at once under the default
//! `vm.max_map_count`. Stacks of their own (`StackLayout::Mapped`) take two mappings each:
//! creating them until the system refuses gives `FiberError::Stack` naming
//! `vm.max_map_count` and the ways out, never a crash. Alone in its test binary, because
//! it exhausts the process's memory mappings.

use std::sync::{Mutex, MutexGuard};

use corobridge::{Fiber, FiberError, FiberStep, StackLayout, StackPool, fiber};

/// One test at a time: the mapped-limit test exhausts the process's mappings, and
/// meanwhile nothing else in the process may need a new one (a fiber of another test, or
/// the AddressSanitizer runtime's allocator, which stops the process when it cannot map).
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn max_map_count() -> usize {
    std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(65_530)
}

fn mappings() -> usize {
    std::fs::read_to_string("/proc/self/maps").map_or(0, |maps| maps.lines().count())
}

/// A peak figure of /proc/self/status, in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Creates `count` fibers from `pool`, each resumed once so that it is suspended in a
/// yield, checks that they are all alive at once, then resumes each to its end.
fn alive_at_once(pool: &StackPool, count: usize) {
    let mut alive = Vec::with_capacity(count);
    for i in 0..count {
        let f = Fiber::<u64, u64, u64>::builder()
            .pool(pool)
            .build(|first| first + fiber::yield_value::<u64, u64>(first).unwrap())
            .unwrap_or_else(|e| panic!("fiber #{i}: {e}"));
        assert_eq!(f.resume(i as u64), Ok(FiberStep::Yielded(i as u64)));
        alive.push(f);
    }
    let maps = mappings();
    eprintln!(
        "{count} fibers of {} KiB stacks alive: {maps} mappings (vm.max_map_count {}), {} slabs, \
         peak RSS {} MiB",
        pool.stack_size() / 1024,
        max_map_count(),
        pool.stats().slabs,
        status_kib("VmHWM:") / 1024
    );
    assert!(maps < max_map_count(), "{maps} mappings");
    assert!(alive.iter().all(|f| f.is_started() && !f.is_finished()));
    for (i, f) in alive.iter().enumerate() {
        assert_eq!(f.resume(1), Ok(FiberStep::Returned(i as u64 + 1)));
    }
}

#[test]
fn a_hundred_thousand_fibers_are_alive_at_once_on_slab_stacks() {
    let _alone = one_at_a_time();
    if StackLayout::Auto.resolved() != StackLayout::Slab {
        eprintln!("this kernel has no MADV_GUARD_INSTALL: StackLayout::Auto maps a stack each");
        return;
    }
    // The default stack size (256 KiB), from a pool of the default layout.
    let pool = StackPool::new(fiber::DEFAULT_STACK_SIZE, 64);
    assert_eq!(pool.layout(), StackLayout::Slab);
    alive_at_once(&pool, 100_000);
    // Three times the stacks the mapped layout allows, in a few hundred mappings.
    assert!(pool.stats().slabs < 1_000, "{:?}", pool.stats());
}

/// `COROBRIDGE_MILLION_FIBERS=1 cargo test --release --test fiber_limits`: the same with
/// 1,000,000 fibers on 16 KiB stacks (about 4.5 GiB resident; a soak run, not in CI).
#[test]
fn a_million_fibers_on_small_slab_stacks_when_asked() {
    let _alone = one_at_a_time();
    if std::env::var_os("COROBRIDGE_MILLION_FIBERS").is_none()
        || StackLayout::Auto.resolved() != StackLayout::Slab
    {
        return;
    }
    let pool = StackPool::new(16 * 1024, 64);
    alive_at_once(&pool, 1_000_000);
}

#[test]
fn running_out_of_stack_mappings_is_an_error_that_names_the_limit() {
    let _alone = one_at_a_time();
    if std::env::var_os("COROBRIDGE_SANITIZE").is_some() {
        // The ASan runtime maps memory for its own allocator as it goes, and stops the
        // process when it cannot: exhausting the mappings on purpose cannot run under it
        // (as under valgrind, whose segment table gives out first).
        eprintln!("AddressSanitizer build: the mapping-exhaustion test runs natively only");
        return;
    }
    let limit = max_map_count();
    if limit > 1_000_000 {
        eprintln!("vm.max_map_count = {limit}: too high to reach here; skipped");
        return;
    }
    // Room reserved up front: at the limit, growing a vector could fail too.
    let mut alive = Vec::with_capacity(limit / 2 + 1_000);
    let pool = StackPool::with_layout(16 * 1024, 0, StackLayout::Mapped);
    let error = loop {
        match Fiber::<(), (), ()>::builder().pool(&pool).build(|()| {
            let _ = fiber::yield_value::<(), ()>(());
        }) {
            Ok(f) => {
                assert_eq!(f.resume(()), Ok(FiberStep::Yielded(())));
                alive.push(f);
                assert!(alive.len() <= limit, "more fibers than mappings allow");
            }
            Err(e) => break e,
        }
    };
    let reached = alive.len();
    drop(alive);
    match &error {
        FiberError::Stack { message, .. } => {
            assert!(message.contains("vm.max_map_count"), "{message}");
            assert!(message.contains("two memory mappings"), "{message}");
            assert!(message.contains("StackLayout::"), "{message}");
        }
        other => panic!("expected FiberError::Stack, got {other:?}"),
    }
    eprintln!("StackLayout::Mapped: {reached} fibers alive, then {error}");
    // Half the mappings, less what the process itself holds.
    assert!(
        reached > limit / 2 - 2_000 && reached <= limit / 2,
        "{reached} of {limit}"
    );
    // And the process goes on: stacks can be made again.
    assert!(Fiber::<(), (), ()>::new(|()| ()).is_ok());
}
