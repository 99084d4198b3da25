// The two contenders' C++ (see peers.h).
#include "interop-bench/src/peers.h"

#include "interop-bench/src/lib.rs.h"

namespace bench {

corobridge::task<std::int64_t> cb_negate(std::int64_t n) { co_return -n; }

corobridge::task<std::int64_t> cb_await_ready_loop(std::int64_t n) {
  std::int64_t total = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    corobridge::rust_future_i64 ready = cb_ready(i);
    total += co_await ready;
  }
  co_return total;
}

CxxAsyncI64 ca_negate(std::int64_t n) { co_return -n; }

CxxAsyncI64 ca_await_ready_loop(std::int64_t n) {
  std::int64_t total = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    CxxAsyncI64 ready = ca_ready(i);
    total += co_await std::move(ready);
  }
  co_return total;
}

}  // namespace bench
