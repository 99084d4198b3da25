// The application's own C++ coroutines, on corobridge.
#pragma once

#include <cstdint>

#include "corobridge/awaiters.hpp"
#include "corobridge/bridge.hpp"
#include "corobridge/rust_future.hpp"
#include "corobridge/rust_stream.hpp"
#include "corobridge/task.hpp"
#include "corobridge/when_all.hpp"

namespace app {

struct Reading;  // a cxx shared struct, defined by the bridge in src/lib.rs

// One line per wrapper: the names the Rust bridge uses for tasks and futures of Reading.
using task_reading = corobridge::task<Reading>;
using rust_future_reading = corobridge::rust_future<Reading>;

/// Awaits a raw reading from Rust, waits for the sensor to settle, and calibrates it.
task_reading calibrate(rust_future_reading raw, double offset);

/// Calibrates two sensors concurrently and averages them.
corobridge::task<double> average_of_two(std::uint32_t a, std::uint32_t b);

/// The mean of a stream of temperatures produced by Rust.
corobridge::task<double> mean(corobridge::rust_stream<double> temperatures);

}  // namespace app
