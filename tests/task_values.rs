//! Rust awaits C++ tasks of every bridged type, under corobridge's executor and under a
//! foreign one (`futures::executor::block_on`).

use corobridge::Executor;
use corobridge_testkit::scenarios as s;
use std::future::IntoFuture;

#[test]
fn every_value_type_crosses_under_corobridge() {
    let executor = Executor::new_virtual();
    assert_eq!(executor.block_on(s::unit_after(5)), Ok(()));
    assert_eq!(executor.block_on(s::is_even_after_yield(10)), Ok(true));
    assert_eq!(executor.block_on(s::is_even_after_yield(7)), Ok(false));
    assert_eq!(executor.block_on(s::add_after(20, 22, 30)), Ok(42));
    assert_eq!(executor.block_on(s::negate_i64(i64::MAX)), Ok(-i64::MAX));
    assert_eq!(executor.block_on(s::times_two_u64(1 << 62)), Ok(1 << 63));
    assert_eq!(executor.block_on(s::half(5.0)), Ok(2.5));
    assert_eq!(
        executor.block_on(s::greet("Rust".into())),
        Ok("Hello, Rust!".to_owned())
    );
    assert_eq!(
        executor.block_on(s::bytes_up_to(5)),
        Ok(vec![0, 1, 2, 3, 4])
    );
    let big = executor.block_on(s::bytes_up_to(100_000 % 256)).unwrap();
    assert_eq!(big.len(), 100_000 % 256);
}

#[test]
fn every_value_type_crosses_under_a_foreign_executor() {
    use futures::executor::block_on;
    assert_eq!(block_on(s::is_even_after_yield(4).into_future()), Ok(true));
    assert_eq!(block_on(s::negate_i64(-5).into_future()), Ok(5));
    assert_eq!(block_on(s::times_two_u64(21).into_future()), Ok(42));
    assert_eq!(block_on(s::half(-3.0).into_future()), Ok(-1.5));
    assert_eq!(
        block_on(s::greet("tokio".into()).into_future()),
        Ok("Hello, tokio!".to_owned())
    );
    assert_eq!(block_on(s::bytes_up_to(3).into_future()), Ok(vec![0, 1, 2]));
    assert_eq!(block_on(s::yield_many(1000).into_future()), Ok(1000));
}

#[test]
fn strings_keep_non_ascii_text() {
    let executor = Executor::new();
    let name = "Ünïcødé 🦀".to_owned();
    assert_eq!(
        executor.block_on(s::greet(name.clone())),
        Ok(format!("Hello, {name}!"))
    );
}

#[test]
fn a_task_future_can_be_spawned_and_joined() {
    let executor = Executor::new_virtual();
    let handles: Vec<_> = (0..10)
        .map(|i| executor.spawn(s::add_after(i, i, 10 * i64::from(i))))
        .collect();
    let results: Vec<i32> = executor.block_on(
        async move {
            let mut out = Vec::new();
            for h in handles {
                out.push(h.await.unwrap().unwrap());
            }
            out
        }
        .into_future(),
    );
    assert_eq!(results, (0..10).map(|i| 2 * i).collect::<Vec<_>>());
    assert_eq!(executor.now(), std::time::Duration::from_millis(90));
}

#[test]
fn generators_iterate_from_rust() {
    let words: Vec<String> = s::words().map(Result::unwrap).collect();
    assert_eq!(words, ["alpha", "beta", "gamma"]);
    let mut g = s::words();
    assert!(!g.is_finished());
    assert_eq!(g.by_ref().count(), 3);
    assert!(g.is_finished());
    assert_eq!(g.next(), None, "a finished generator stays finished");
}
