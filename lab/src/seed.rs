//! The seed document's C++20 examples, callable from Rust.
//!
//! ```
//! use corobridge::Executor;
//! use corobridge_lab::seed;
//!
//! let executor = Executor::new();
//! let log = executor.block_on(seed::async_workflow()).unwrap();
//! assert!(log.contains("First result: 42\nSecond result: Hello"));
//! ```

#[cxx::bridge(namespace = "corobridge::seed")]
mod ffi {
    unsafe extern "C++" {
        include!("corobridge-lab/seed.hpp");

        #[namespace = "corobridge"]
        type task_i32 = corobridge::CppTask<i32>;
        #[namespace = "corobridge"]
        type task_string = corobridge::CppTask<String>;
        #[namespace = "corobridge"]
        type generator_u64 = corobridge::CppGenerator<u64>;

        /// Waits 100 ms on the executor's clock, then yields `n * n`.
        fn compute_async(n: i32) -> task_i32;
        /// 0 1 1 2 3 5 8 13 21 34 ...
        fn fibonacci() -> generator_u64;
        /// Awaits two `std::async` futures (42, then "Hello") and returns its log.
        fn async_workflow() -> task_string;
    }
}

pub use ffi::{async_workflow, compute_async, fibonacci};
