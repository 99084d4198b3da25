//! The contenders of the interop benchmark, behind one cxx bridge.

use std::pin::Pin;

use corobridge::RustFuture;
/// The exception type cxx-async futures fail with.
pub use cxx_async::CxxAsyncException;

#[cxx::bridge(namespace = "bench")]
pub mod ffi {
    unsafe extern "C++" {
        include!("interop-bench/src/peers.h");

        #[namespace = "corobridge"]
        type task_i64 = corobridge::CppTask<i64>;
        #[namespace = "corobridge"]
        type rust_future_i64 = corobridge::RustFuture<i64>;
        type CxxAsyncI64 = crate::CxxAsyncI64;

        /// corobridge: a C++ task completing at once.
        fn cb_negate(n: i64) -> task_i64;
        /// corobridge: C++ awaits n ready Rust futures.
        fn cb_await_ready_loop(n: i64) -> task_i64;
        /// cxx-async: a C++ coroutine completing at once.
        fn ca_negate(n: i64) -> CxxAsyncI64;
        /// cxx-async: C++ awaits n ready Rust futures.
        fn ca_await_ready_loop(n: i64) -> CxxAsyncI64;
    }

    extern "Rust" {
        fn cb_ready(i: i64) -> rust_future_i64;
        fn ca_ready(i: i64) -> CxxAsyncI64;
    }
}

/// cxx-async's future type for i64 (its one-macro-per-type declaration).
#[cxx_async::bridge(namespace = bench)]
unsafe impl Future for CxxAsyncI64 {
    type Output = i64;
}

/// A ready Rust future, for corobridge's C++ to await.
pub fn cb_ready(i: i64) -> RustFuture<i64> {
    RustFuture::new(async move { i })
}

/// A ready Rust future, for cxx-async's C++ to await.
pub fn ca_ready(i: i64) -> CxxAsyncI64 {
    CxxAsyncI64::infallible(async move { i })
}
