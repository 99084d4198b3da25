//! The Rust side of a C++-first program: async Rust functions that the C++ `main()`
//! (`../src/main.cpp`) `co_await`s as `corobridge::rust_future<T>`s, driven by
//! corobridge's executor on the C++ program's thread.

use std::time::Duration;

use corobridge::RustFuture;

#[cxx::bridge(namespace = "app")]
mod ffi {
    unsafe extern "C++" {
        include!("corobridge/bridge.hpp");

        #[namespace = "corobridge"]
        type rust_future_string = corobridge::RustFuture<String>;
        #[namespace = "corobridge"]
        type rust_future_u64 = corobridge::RustFuture<u64>;
    }

    extern "Rust" {
        /// A greeting for user `id`, after a short wait on the executor's clock; user 0
        /// does not exist (the C++ `co_await` throws `corobridge::rust_error`).
        fn fetch_greeting(id: u32) -> rust_future_string;
        /// The sum 1 + 2 + ... + n, computed by Rust after a 1 ms wait.
        fn slow_sum(n: u64) -> rust_future_u64;
    }
}

fn fetch_greeting(id: u32) -> RustFuture<String> {
    RustFuture::fallible(async move {
        corobridge::sleep(Duration::from_millis(u64::from(id) * 2)).await;
        if id == 0 {
            Err(format!("no user {id}"))
        } else {
            Ok(format!("hello, user {id}"))
        }
    })
}

fn slow_sum(n: u64) -> RustFuture<u64> {
    RustFuture::new(async move {
        corobridge::sleep(Duration::from_millis(1)).await;
        (1..=n).sum()
    })
}
