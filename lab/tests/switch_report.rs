//! The stackful-vs-stackless report (`corobridge switches`): every case runs, checks its
//! own results, and reports a figure; the memory rows show what each kind of waiter keeps
//! resident. Timings are only checked to be measured, never compared (shared machine).

use corobridge_lab::switch_report::{Kind, SwitchConfig, measure, names};

// One test, so that no other test in this process allocates while the resident set is read.
#[test]
fn every_case_is_measured_and_a_suspended_fiber_keeps_more_resident_than_a_coroutine() {
    let report = measure(&SwitchConfig {
        waiters: 500,
        ..SwitchConfig::quick()
    })
    .unwrap();
    let expected = [
        names::CPP_COROUTINE_YIELD,
        names::RUST_FUTURE_YIELD,
        names::FIBER_POLLED_YIELD,
        names::RAW_POLL_SHAPE,
        names::FIBER_RUST_YIELD,
        names::FIBER_CPP_YIELD,
        names::RAW_FROM_CPP,
        names::RAW_INLINED,
        names::CPP_TASK,
        names::FIBER_POOLED,
        names::FIBER_FRESH,
        names::THREAD,
    ];
    for name in expected {
        let row = report
            .row(name)
            .unwrap_or_else(|| panic!("no row {name:?}"));
        assert!(
            row.ns_per_op.is_finite() && row.ns_per_op > 0.0,
            "{name}: {}",
            row.ns_per_op
        );
    }
    assert_eq!(
        report.round_trips.len() + report.lifecycles.len(),
        expected.len()
    );
    assert_eq!(
        report.row(names::THREAD).map(|r| r.kind),
        Some(Kind::Thread)
    );
    assert_eq!(
        report.row(names::FIBER_CPP_YIELD).map(|r| r.kind),
        Some(Kind::Stackful)
    );

    let text = report.to_string();
    for name in expected {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    assert!(text.contains("x bare corosensei from C++"), "{text}");
    assert!(text.contains("x bare corosensei in its shape"), "{text}");
    assert!(text.contains(names::FIBER_WAITER), "{text}");

    assert_eq!(report.waiter_count, 500);
    let resident = |name: &str| {
        report
            .waiters
            .iter()
            .find(|row| row.name == name)
            .and_then(|row| row.resident_bytes)
            .unwrap_or_else(|| panic!("no resident figure for {name}"))
    };
    let fiber = resident(names::FIBER_WAITER);
    let cpp = resident(names::CPP_WAITER);
    // A suspended fiber has touched at least a page of its own stack; a suspended C++
    // coroutine is one heap frame of a few hundred bytes.
    assert!(fiber >= 4096.0, "a fiber: {fiber} bytes");
    assert!(
        fiber > 2.0 * cpp,
        "a fiber {fiber} bytes, a C++ coroutine {cpp} bytes"
    );
    let fiber_row = report
        .waiters
        .iter()
        .find(|row| row.name == names::FIBER_WAITER)
        .unwrap();
    assert_eq!(
        fiber_row.reserved_bytes,
        corobridge::fiber::DEFAULT_STACK_SIZE
    );
}
