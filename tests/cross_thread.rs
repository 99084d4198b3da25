//! Wakes from other threads: queued safely, they wake a sleeping executor, and the C++
//! coroutine resumes on the executor's thread.

use std::time::Duration;

use corobridge::Executor;
use corobridge_testkit::scenarios as s;

#[test]
fn an_event_set_from_another_thread_wakes_a_parked_executor() {
    let executor = Executor::new();
    let event = s::new_event();
    let setter = {
        let event = event.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            s::set_event(&event);
        })
    };
    assert_eq!(executor.block_on(s::wait_event(event, 9)), Ok(9));
    setter.join().unwrap();
    assert!(executor.stats().remote_wakes >= 1);
}

#[test]
fn a_std_future_resumes_the_coroutine_on_the_executor_thread() {
    let executor = Executor::new();
    let signal = s::new_signal();
    let setter = {
        let signal = signal.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            s::set_signal(&signal, 1).unwrap();
        })
    };
    assert_eq!(
        executor.block_on(s::future_resumes_on_same_thread(signal)),
        Ok(true)
    );
    setter.join().unwrap();
}

#[test]
fn a_thousand_coroutines_woken_from_four_threads() {
    let executor = Executor::new();
    let events: Vec<_> = (0..1000).map(|_| s::new_event()).collect();
    let handles: Vec<_> = events
        .iter()
        .enumerate()
        .map(|(i, e)| executor.spawn(s::wait_event(e.clone(), i as i32)))
        .collect();
    executor.run_until_idle();
    let setters: Vec<_> = (0..4)
        .map(|t| {
            let mine: Vec<_> = events.iter().skip(t).step_by(4).cloned().collect();
            std::thread::spawn(move || mine.iter().for_each(s::set_event))
        })
        .collect();
    let results = executor.block_on(async move {
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.unwrap().unwrap());
        }
        out
    });
    setters.into_iter().for_each(|t| t.join().unwrap());
    assert_eq!(results, (0..1000).collect::<Vec<i32>>());
}

#[test]
fn a_rust_task_woken_from_another_thread() {
    let executor = Executor::new();
    let (tx, rx) = futures::channel::oneshot::channel::<u32>();
    let join = executor.spawn(async move { rx.await.unwrap() + 1 });
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        tx.send(41).unwrap();
    });
    assert_eq!(executor.block_on(join), Ok(42));
}

#[test]
fn many_std_futures_share_a_bounded_waiter_pool() {
    let executor = Executor::new();
    let signals: Vec<_> = (0..64).map(|_| s::new_signal()).collect();
    let handles: Vec<_> = signals
        .iter()
        .map(|sig| executor.spawn(s::await_signal(sig.clone())))
        .collect();
    executor.run_until_idle();
    for (i, sig) in signals.iter().enumerate() {
        s::set_signal(sig, i as i64).unwrap();
    }
    let values = executor.block_on(async move {
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.unwrap().unwrap());
        }
        out
    });
    assert_eq!(values, (0..64).collect::<Vec<i64>>());
}
