use corobridge::{Executor, seed};
#[test]
fn smoke() {
    let ex = Executor::new_virtual();
    assert_eq!(ex.block_on(seed::compute_async(10)), Ok(100));
    assert_eq!(ex.now(), std::time::Duration::from_millis(100));
    let f: Vec<u64> = seed::fibonacci().take(10).map(Result::unwrap).collect();
    assert_eq!(f, [0,1,1,2,3,5,8,13,21,34]);
    let ex = Executor::new();
    let log = ex.block_on(seed::async_workflow()).unwrap();
    println!("{log}");
    assert!(log.contains("First result: 42"));
    assert_eq!(futures::executor::block_on(async { seed::fibonacci().nth(20) }).unwrap().unwrap(), 6765);
}
