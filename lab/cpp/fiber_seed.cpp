// The seed's stackful example (seed/coroutine.md, "Stackful Coroutines"), in C++ and run
// on a Rust corobridge::Fiber: coroutine_function keeps local_var == 42 across a yield
// made inside deep_function_call, an ordinary C++ function.
#include <cstdio>
#include <cstring>

#include "corobridge/fiber.hpp"
#include "corobridge-lab/fiber_seed.h"

namespace {

// Not inlined, so that the yield really happens one ordinary call deeper.
[[gnu::noinline]] void deep_function_call(corobridge_seed_stackful_report* report) {
  // A yield from deep in the call stack.
  corobridge::fiber::yield();
  ++report->yields;
}

}  // namespace

extern "C" void corobridge_seed_coroutine_function(void* arg) {
  auto* report = static_cast<corobridge_seed_stackful_report*>(arg);
  int local_var = 42;
  char local_array[1024];
  for (std::size_t i = 0; i < sizeof(local_array); ++i) {
    local_array[i] = static_cast<char>(i * 7);
  }

  // Other functions can be called...
  deep_function_call(report);

  // ...and the coroutine can yield at any point: the whole stack is kept.
  corobridge::fiber::yield();
  ++report->yields;

  bool intact = true;
  for (std::size_t i = 0; i < sizeof(local_array); ++i) {
    intact = intact && local_array[i] == static_cast<char>(i * 7);
  }
  report->local_var = local_var;
  report->array_intact = intact ? 1 : 0;
  std::snprintf(report->message, sizeof(report->message), "local_var is still %d", local_var);
}
