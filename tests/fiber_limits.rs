//! The limit on guarded fiber stacks alive at once: creating fibers until the system
//! refuses gives `FiberError::Stack` naming `vm.max_map_count` and the ways out, never a
//! crash. Alone in its test binary, because it exhausts the process's memory mappings.

use corobridge::{Fiber, FiberError, FiberStep, fiber};

#[test]
fn running_out_of_stack_mappings_is_an_error_that_names_the_limit() {
    let limit: usize = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(65_530);
    if limit > 1_000_000 {
        eprintln!("vm.max_map_count = {limit}: too high to reach here; skipped");
        return;
    }
    // Room reserved up front: at the limit, growing a vector could fail too.
    let mut alive = Vec::with_capacity(limit / 2 + 1_000);
    let error = loop {
        match Fiber::<(), (), ()>::builder().fresh_stack().build(|()| {
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
        }
        other => panic!("expected FiberError::Stack, got {other:?}"),
    }
    // Half the mappings, less what the process itself holds.
    assert!(
        reached > limit / 2 - 2_000 && reached <= limit / 2,
        "{reached} of {limit}"
    );
    // And the process goes on: stacks can be made again.
    assert!(Fiber::<(), (), ()>::new(|()| ()).is_ok());
}
