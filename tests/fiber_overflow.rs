//! A fiber stack overflow hits the guard page and stops the process with a diagnostic that
//! names the fiber's stack size and how to raise it, never silent corruption: on stacks
//! of their own (`StackLayout::Mapped`, an `mprotect`ed guard page) and on slab stacks
//! (`StackLayout::Slab`, a `MADV_GUARD_INSTALL` guard page inside the slab's mapping). The overflow
//! runs in a child process: this test binary re-executes itself with an environment
//! variable that selects the overflowing (ignored) test.

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use corobridge::{Fiber, StackLayout, StackPool};
use corobridge_testkit::fiber_scenarios as s;

const CHILD: &str = "COROBRIDGE_FIBER_OVERFLOW_CHILD";

/// Recurses with a 1 KiB frame per call. The frame stays live across the call and the
/// result passes through `black_box`, so that an optimised build cannot turn the recursion
/// into a loop (LLVM would, with an accumulator, and the test would then spin forever).
#[inline(never)]
fn rust_recurse(depth: u64) -> u64 {
    let frame = std::hint::black_box([depth as u8; 1024]);
    if depth == 0 {
        return 0;
    }
    let below = std::hint::black_box(rust_recurse(depth - 1));
    below + u64::from(std::hint::black_box(&frame)[7])
}

/// Run only as a child process by the tests below.
#[test]
#[ignore = "overflows a fiber stack on purpose: run as a child process by the tests below"]
fn child_overflows_a_fiber_stack() {
    let setting = std::env::var(CHILD).unwrap_or_default();
    let (language, layout) = setting.split_once(':').unwrap_or((&setting, "mapped"));
    let language = language.to_owned();
    let layout = match layout {
        "slab" => StackLayout::Slab,
        _ => StackLayout::Mapped,
    };
    // One slot of a slab is taken: its neighbours above and below are stacks too.
    let pool = StackPool::with_layout(64 * 1024, 1, layout);
    let fiber = Fiber::<(), (), u64>::builder()
        .pool(&pool)
        .build(move |()| match language.as_str() {
            "cpp" => s::recurse(-1).unwrap().unsigned_abs(),
            _ => rust_recurse(u64::MAX),
        })
        .unwrap();
    let result = fiber.resume(());
    panic!("the overflow did not stop the process: {result:?}");
}

fn overflow_in_child(setting: &str) -> (Output, String) {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut child = Command::new(exe)
        .args([
            "child_overflows_a_fiber_stack",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, setting)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the child test process starts");
    // The overflow takes milliseconds; a child still running after a minute recurses
    // without using stack (an optimiser turned the recursion into a loop): fail, do not hang.
    let deadline = Instant::now() + Duration::from_secs(60);
    while child
        .try_wait()
        .expect("the child can be waited for")
        .is_none()
    {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the {setting} recursion did not overflow its fiber stack within 60 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let output = child.wait_with_output().expect("the child's output");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stderr)
}

fn assert_diagnosed(setting: &str) {
    let (output, stderr) = overflow_in_child(setting);
    assert_eq!(
        output.status.signal(),
        Some(libc::SIGABRT),
        "the child aborts after the diagnostic; stderr:\n{stderr}"
    );
    assert!(
        stderr.contains("corobridge: fiber stack overflow"),
        "stderr:\n{stderr}"
    );
    assert!(stderr.contains("its 64 KiB stack"), "stderr:\n{stderr}");
    assert!(
        stderr.contains("Fiber::builder().stack_size(bytes)"),
        "the message says how to raise the size; stderr:\n{stderr}"
    );
    assert!(
        !stderr.contains("did not stop the process"),
        "stderr:\n{stderr}"
    );
}

#[test]
fn a_rust_overflow_in_a_fiber_is_diagnosed() {
    assert_diagnosed("rust:mapped");
}

#[test]
fn a_cpp_overflow_in_a_fiber_is_diagnosed() {
    assert_diagnosed("cpp:mapped");
}

/// Whether this kernel has guard regions (`StackLayout::Auto` then picks slabs).
fn slabs_here() -> bool {
    let slab = StackLayout::Auto.resolved() == StackLayout::Slab;
    if !slab {
        eprintln!("this kernel has no MADV_GUARD_INSTALL: slab stacks not tested here");
    }
    slab
}

#[test]
fn a_rust_overflow_on_a_slab_stack_is_diagnosed() {
    if slabs_here() {
        assert_diagnosed("rust:slab");
    }
}

#[test]
fn a_cpp_overflow_on_a_slab_stack_is_diagnosed() {
    if slabs_here() {
        assert_diagnosed("cpp:slab");
    }
}

#[test]
fn a_bigger_stack_fits_the_same_recursion_depth() {
    // 200 frames of 1 KiB overflow a 64 KiB stack; a 1 MiB stack holds them.
    let fiber = Fiber::<(), (), i64>::builder()
        .stack_size(1 << 20)
        .build(|()| s::recurse(200).unwrap())
        .unwrap();
    assert_eq!(fiber.resume(()).unwrap().returned(), Some(200));
}
