//! Streams both ways: a C++ async generator is a Rust `Stream`; a Rust `Stream` is
//! consumed by C++ (`while (auto v = co_await s.next())`).

use std::future::IntoFuture;
use std::time::Duration;

use corobridge::{Error, Executor, RustStream, sleep};
use corobridge_testkit::{interop_scenarios as i, scenarios as s};
use futures::StreamExt;

fn numbers(n: i64, delay_ms: u64) -> RustStream<i64> {
    RustStream::new(futures::stream::unfold(0, move |k| async move {
        if k == n {
            return None;
        }
        sleep(Duration::from_millis(delay_ms)).await;
        Some((k, k + 1))
    }))
}

#[test]
fn cpp_consumes_a_rust_stream() {
    let executor = Executor::new_virtual();
    assert_eq!(executor.block_on(i::sum_stream(numbers(10, 5))), Ok(45));
    assert_eq!(executor.now(), Duration::from_millis(50));
}

#[test]
fn cpp_consumes_a_ready_rust_stream_under_a_foreign_executor() {
    let stream = RustStream::new(futures::stream::iter(1..=100i64));
    assert_eq!(
        futures::executor::block_on(i::sum_stream(stream).into_future()),
        Ok(5050)
    );
}

#[test]
fn an_err_item_of_a_rust_stream_is_thrown_in_cpp() {
    let stream = RustStream::fallible(futures::stream::iter([Ok(1i64), Err("bad item"), Ok(3)]));
    match Executor::new().block_on(i::sum_stream(stream)) {
        Err(Error::Cpp(e)) => {
            assert_eq!(e.type_name(), "corobridge::rust_error");
            assert_eq!(e.what(), "bad item");
        }
        other => panic!("expected rust_error, got {other:?}"),
    }
}

#[test]
fn a_cpp_async_generator_is_a_rust_stream() {
    let executor = Executor::new_virtual();
    let items: Vec<_> = executor.block_on(i::ticks(5, 20).into_stream().collect());
    assert_eq!(items, [Ok(0), Ok(1), Ok(2), Ok(3), Ok(4)]);
    assert_eq!(executor.now(), Duration::from_millis(100));
}

#[test]
fn a_cpp_async_generator_under_a_foreign_executor() {
    // ticks_then_throw only yields (no timers): it runs anywhere.
    let items: Vec<_> = futures::executor::block_on(i::ticks_then_throw(3).into_stream().collect());
    assert_eq!(items.len(), 4);
    assert_eq!(items[..3], [Ok(0), Ok(1), Ok(2)]);
    match &items[3] {
        Err(Error::Cpp(e)) => assert_eq!(
            (e.type_name(), e.what()),
            ("std::out_of_range", "no more ticks")
        ),
        other => panic!("expected the generator's exception, got {other:?}"),
    }
}

#[test]
fn streams_both_ways_in_one_pipeline() {
    // Rust stream -> C++ async generator (doubles) -> Rust stream consumer.
    let executor = Executor::new_virtual();
    let doubled: Vec<i64> = executor.block_on(
        i::doubled(numbers(4, 10))
            .into_stream()
            .map(Result::unwrap)
            .collect(),
    );
    assert_eq!(doubled, [0, 2, 4, 6]);
}

#[test]
fn cpp_consumes_a_cpp_async_generator() {
    let executor = Executor::new_virtual();
    assert_eq!(executor.block_on(i::sum_ticks(10, 1)), Ok(45));
}

#[test]
fn dropping_a_stream_mid_way_destroys_the_generator() {
    let executor = Executor::new_virtual();
    let counters = s::new_counters();
    let mut stream = i::guarded_ticks(counters.clone(), 10).into_stream();
    let first: Vec<_> =
        executor.block_on(async { stream.by_ref().take(3).collect::<Vec<_>>().await });
    assert_eq!(first, [Ok(0), Ok(1), Ok(2)]);
    // Poll once more so the body is asleep on its timer, then drop it.
    let mut next = Box::pin(stream.next());
    executor.block_on(std::future::poll_fn(|cx| {
        assert!(next.as_mut().poll(cx).is_pending());
        std::task::Poll::Ready(())
    }));
    drop(next);
    assert_eq!(executor.stats().pending_timers, 1);
    drop(stream);
    assert_eq!((s::constructed(&counters), s::destroyed(&counters)), (1, 1));
    assert_eq!(executor.stats().pending_timers, 0);
}
