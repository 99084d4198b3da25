//! An application crate of its own, mixing C++ coroutines and Rust futures through
//! corobridge: its C++ (`src/sensors.cc`) includes corobridge's headers and awaits Rust
//! futures; its Rust awaits the C++ tasks. `Reading` is its own struct, made a coroutine
//! value with one `corobridge::bridge_value!` line.

use std::time::Duration;

use corobridge::{RustFuture, RustStream};

#[cxx::bridge(namespace = "app")]
pub mod ffi {
    /// A sensor's temperature reading.
    #[derive(Clone, Copy, Debug, PartialEq)]
    struct Reading {
        sensor: u32,
        celsius: f64,
    }

    unsafe extern "C++" {
        include!("mixed-app/src/sensors.h");

        type task_reading = corobridge::CppTask<Reading>;
        type rust_future_reading = corobridge::RustFuture<Reading>;
        #[namespace = "corobridge"]
        type task_f64 = corobridge::CppTask<f64>;
        #[namespace = "corobridge"]
        type rust_stream_f64 = corobridge::RustStream<f64>;

        /// Awaits `raw`, lets the sensor settle 10 ms, adds `offset`.
        fn calibrate(raw: rust_future_reading, offset: f64) -> task_reading;
        /// Calibrates sensors `a` and `b` concurrently and averages them.
        fn average_of_two(a: u32, b: u32) -> task_f64;
        /// The mean of a stream of temperatures.
        fn mean(temperatures: rust_stream_f64) -> task_f64;
    }

    extern "Rust" {
        fn read_sensor(sensor: u32) -> rust_future_reading;
    }
}

// The one line that makes `Reading` a value of C++ tasks and Rust futures.
corobridge::bridge_value!(
    ffi::Reading,
    task = "app::task_reading",
    future = "app::rust_future_reading"
);

pub use ffi::{Reading, average_of_two, calibrate, mean};

/// Reads a sensor (simulated: 5 ms of executor time, 20 °C plus the sensor's number).
pub fn read_sensor(sensor: u32) -> RustFuture<Reading> {
    RustFuture::new(async move {
        corobridge::sleep(Duration::from_millis(5)).await;
        Reading {
            sensor,
            celsius: 20.0 + f64::from(sensor),
        }
    })
}

/// A stream of temperatures for the C++ `mean`.
pub fn temperatures(values: Vec<f64>) -> RustStream<f64> {
    RustStream::new(futures::stream::iter(values))
}
