// The same two operations written for corobridge and for cxx-async 0.1.
#pragma once

#include <cstdint>

#include "corobridge/bridge.hpp"
#include "rust/cxx.h"
#include "rust/cxx_async.h"

// What CXXASYNC_DEFINE_FUTURE(int64_t, bench, CxxAsyncI64) generates, written out: on
// GCC 12 the macro's `struct ::rust::async::std_coroutine::coroutine_traits<...>` is
// rejected ("global qualification of class name is invalid").
namespace bench {
struct CxxAsyncI64;
extern "C" const ::rust::async::Vtable<CxxAsyncI64>* cxxasync_bench$CxxAsyncI64_vtable();
struct CxxAsyncI64 : public ::rust::async::RustFuture<CxxAsyncI64> {
  typedef int64_t YieldResult;
  typedef int64_t FinalResult;
  static auto vtable() { return cxxasync_bench$CxxAsyncI64_vtable(); }
  CxxAsyncI64() = delete;
  CxxAsyncI64(CxxAsyncI64&) = delete;
  void operator=(const CxxAsyncI64&) = delete;

 public:
  CxxAsyncI64(CxxAsyncI64&& other) noexcept : ::rust::async::RustFuture<CxxAsyncI64>(std::move(other)) {}
};
}  // namespace bench

namespace std {
template <typename... Args>
struct coroutine_traits<bench::CxxAsyncI64, Args...> {
  using promise_type = ::rust::async::RustPromise<bench::CxxAsyncI64>;
};
}  // namespace std

namespace bench {

/// corobridge: a task that completes at once (Rust awaits it).
corobridge::task<std::int64_t> cb_negate(std::int64_t n);
/// corobridge: awaits `cb_ready(i)` (a ready Rust future) n times.
corobridge::task<std::int64_t> cb_await_ready_loop(std::int64_t n);

/// cxx-async: a coroutine that completes at once (Rust awaits it).
CxxAsyncI64 ca_negate(std::int64_t n);
/// cxx-async: awaits `ca_ready(i)` (a ready Rust future) n times.
CxxAsyncI64 ca_await_ready_loop(std::int64_t n);

}  // namespace bench
