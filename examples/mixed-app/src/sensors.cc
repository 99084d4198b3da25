// The application's C++ coroutines: they await Rust futures and are awaited from Rust.
#include "mixed-app/src/sensors.h"

#include <chrono>
#include <utility>

#include "mixed-app/src/lib.rs.h"

namespace app {

using namespace std::chrono_literals;

task_reading calibrate(rust_future_reading raw, double offset) {
  Reading reading = co_await raw;                 // a Rust future, from C++
  co_await corobridge::sleep_for(10ms);            // the executor's timer queue
  reading.celsius += offset;
  co_return reading;
}

corobridge::task<double> average_of_two(std::uint32_t a, std::uint32_t b) {
  auto both = corobridge::when_all(calibrate(read_sensor(a), 0.5), calibrate(read_sensor(b), 0.5));
  auto [first, second] = co_await both;
  co_return (first.celsius + second.celsius) / 2.0;
}

corobridge::task<double> mean(corobridge::rust_stream<double> temperatures) {
  double total = 0;
  int count = 0;
  while (auto t = co_await temperatures.next()) {
    total += *t;
    ++count;
  }
  co_return count == 0 ? 0.0 : total / count;
}

}  // namespace app
