// The seed document's C++20 examples, done properly on corobridge's types.
#pragma once

#include <cstdint>
#include <string>

#include "corobridge/bridge.hpp"

namespace corobridge::seed {

/// The seed's `compute_async`: waits 100 ms on the executor's clock (instead of blocking
/// the thread), then produces n * n. `compute_async(10)` yields 100.
task<std::int32_t> compute_async(std::int32_t n);

/// The seed's fibonacci generator: 0 1 1 2 3 5 8 13 21 34 ...
generator<std::uint64_t> fibonacci();

/// The seed's `async_workflow`: awaits two std::async futures (42 after 100 ms, then
/// "Hello" after 200 ms) without a thread per await, and returns its log, one line each:
/// "Starting async workflow", "First result: 42", "Second result: Hello",
/// "Workflow completed".
task<std::string> async_workflow();

}  // namespace corobridge::seed
