//! The per-thread frame pool that C++ task frames and the boxes of Rust futures handed to
//! C++ come from: blocks made on one thread and freed on another, recycled, and released
//! when their thread exits (valgrind's leak check in `.ci/valgrind` covers the last part).

use std::future::IntoFuture;
use std::sync::mpsc;
use std::thread;

use corobridge::{CppTask, Executor, RustFuture};
use corobridge_testkit::{interop_scenarios as interop, scenarios as s};

#[test]
fn frames_made_on_one_thread_are_freed_and_reused_on_others() {
    // Recycling is on unless COROBRIDGE_FRAME_POOL=off (which .ci/valgrind sets for the
    // other tests): force it on for the threads below, which read it on first use.
    // SAFETY: the only test of this binary; no other thread reads the environment now.
    unsafe { std::env::set_var("COROBRIDGE_FRAME_POOL", "on") };

    let (to_consumer, from_producer) = mpsc::channel::<(i64, CppTask<i64>, RustFuture<i64>)>();
    let producer = thread::spawn(move || {
        for i in 0..20_000i64 {
            let future = RustFuture::new(async move { i * 3 });
            if to_consumer.send((i, s::negate_i64(i), future)).is_err() {
                break;
            }
        }
    });
    let consumer = thread::spawn(move || {
        let executor = Executor::new();
        let mut checked = 0;
        for (i, task, future) in from_producer {
            match i % 3 {
                // Dropped unstarted: the frame and the box are freed on this thread.
                0 => drop((task, future)),
                // Run under corobridge's executor: the task destroys itself here.
                1 => {
                    assert_eq!(executor.block_on(task), Ok(-i));
                    assert_eq!(executor.block_on(interop::await_i64(future)), Ok(3 * i));
                    checked += 1;
                }
                // Run under another executor.
                _ => {
                    assert_eq!(futures::executor::block_on(task.into_future()), Ok(-i));
                    drop(future);
                    checked += 1;
                }
            }
        }
        checked
    });
    producer.join().expect("producer");
    assert_eq!(consumer.join().expect("consumer"), 13_333);

    // Steady state on one thread: the same few blocks serve every task (a leak of pooled
    // blocks would show up under valgrind as definitely lost at thread exit).
    thread::spawn(|| {
        let executor = Executor::new();
        let total: i64 = (0..50_000)
            .map(|i| executor.block_on(s::negate_i64(i)).expect("negate"))
            .sum();
        assert_eq!(total, -(49_999 * 50_000 / 2));
    })
    .join()
    .expect("steady state");
}
