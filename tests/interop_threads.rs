//! Wakers are Send + Sync: 100,000 suspended C++ coroutines, each awaiting a Rust future,
//! woken from 4 threads: each is resumed exactly once, none is lost.

use corobridge::{Executor, RustFuture};
use corobridge_testkit::{interop_scenarios as i, scenarios as s};
use futures::channel::oneshot;

const COROUTINES: usize = 100_000;
const THREADS: usize = 4;

#[test]
fn a_hundred_thousand_cpp_coroutines_woken_from_four_threads() {
    let executor = Executor::new();
    let counters = s::new_counters();
    let mut senders = Vec::with_capacity(COROUTINES);
    let mut joins = Vec::with_capacity(COROUTINES);
    for k in 0..COROUTINES {
        let (tx, rx) = oneshot::channel::<u64>();
        senders.push(tx);
        let future = RustFuture::new(async move { rx.await.unwrap_or(u64::MAX) });
        joins.push((
            k,
            executor.spawn(i::await_counted(counters.clone(), future)),
        ));
    }
    executor.run_until_idle();
    assert_eq!(s::constructed(&counters), 0, "all are suspended");

    let chunks: Vec<Vec<(usize, oneshot::Sender<u64>)>> = {
        let mut chunks: Vec<Vec<_>> = (0..THREADS).map(|_| Vec::new()).collect();
        for (k, tx) in senders.into_iter().enumerate() {
            chunks[k % THREADS].push((k, tx));
        }
        chunks
    };
    let wakers: Vec<_> = chunks
        .into_iter()
        .map(|chunk| {
            std::thread::spawn(move || {
                for (k, tx) in chunk {
                    tx.send(k as u64).unwrap();
                }
            })
        })
        .collect();

    let values: Vec<(usize, u64)> = executor.block_on(async move {
        let mut out = Vec::with_capacity(COROUTINES);
        for (k, join) in joins {
            out.push((k, join.await.unwrap().unwrap()));
        }
        out
    });
    wakers.into_iter().for_each(|t| t.join().unwrap());
    assert!(
        values.iter().all(|&(k, v)| v == k as u64),
        "each got its own value"
    );
    assert_eq!(
        s::constructed(&counters),
        COROUTINES as i64,
        "each resumed exactly once"
    );
    assert!(executor.stats().remote_wakes > 0);
}
