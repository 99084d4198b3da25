//! The application's Rust awaits its own C++ tasks, which await its own Rust futures.

use std::future::IntoFuture;
use std::time::Duration;

use corobridge::Executor;
use mixed_app::{Reading, average_of_two, calibrate, mean, read_sensor, temperatures};

#[test]
fn rust_awaits_cpp_that_awaits_rust_with_a_struct_of_its_own() {
    let executor = Executor::new_virtual();
    let reading = executor.block_on(calibrate(read_sensor(3), 0.25)).unwrap();
    assert_eq!(
        reading,
        Reading {
            sensor: 3,
            celsius: 23.25
        }
    );
    assert_eq!(
        executor.now(),
        Duration::from_millis(15),
        "5 ms to read, 10 to settle"
    );
}

#[test]
fn when_all_in_the_applications_cpp() {
    let executor = Executor::new_virtual();
    assert_eq!(executor.block_on(average_of_two(1, 3)), Ok(22.5));
    assert_eq!(
        executor.now(),
        Duration::from_millis(15),
        "both sensors at once"
    );
}

#[test]
fn a_rust_stream_consumed_by_the_applications_cpp() {
    let mean =
        futures::executor::block_on(mean(temperatures(vec![18.0, 20.0, 25.0])).into_future());
    assert_eq!(mean, Ok(21.0));
}
