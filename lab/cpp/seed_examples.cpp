// The seed document's C++20 examples (compute_async, fibonacci, async_workflow).
#include "corobridge-lab/seed.hpp"

#include <chrono>
#include <future>
#include <thread>

#include "corobridge/awaiters.hpp"

namespace corobridge::seed {

using namespace std::chrono_literals;

task<std::int32_t> compute_async(std::int32_t n) {
  co_await sleep_for(100ms);
  co_return n * n;
}

generator<std::uint64_t> fibonacci() {
  std::uint64_t a = 0;
  std::uint64_t b = 1;
  for (;;) {
    co_yield a;
    const std::uint64_t next = a + b;
    a = b;
    b = next;
  }
}

namespace {
int produce_42() {
  std::this_thread::sleep_for(100ms);
  return 42;
}
std::string produce_hello() {
  std::this_thread::sleep_for(200ms);
  return "Hello";
}
}  // namespace

task<std::string> async_workflow() {
  std::string log = "Starting async workflow\n";
  // Both start now and run in parallel, as in the seed.
  std::future<int> first = std::async(std::launch::async, produce_42);
  std::future<std::string> second = std::async(std::launch::async, produce_hello);

  const int result1 = co_await first;
  log += "First result: " + std::to_string(result1) + "\n";

  std::string result2 = co_await second;
  log += "Second result: " + result2 + "\n";

  log += "Workflow completed\n";
  co_return log;
}

}  // namespace corobridge::seed
