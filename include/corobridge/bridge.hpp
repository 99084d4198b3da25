// Names for cxx: the task and generator types that cross into Rust by value.
//
// In a `#[cxx::bridge]`, declare e.g.
//     #[namespace = "corobridge"] type task_i32 = corobridge::CppTask<i32>;
// and return `task_i32` from a C++ function that returns `corobridge::task<int32_t>`.
// For a type of your own, add one alias here-style in your header
// (`using task_point = corobridge::task<Point>;`) and one `corobridge::bridge_value!` line
// in Rust.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "corobridge/generator.hpp"
#include "corobridge/task.hpp"

namespace corobridge {

using task_unit = task<void>;
using task_bool = task<bool>;
using task_i32 = task<std::int32_t>;
using task_i64 = task<std::int64_t>;
using task_u64 = task<std::uint64_t>;
using task_f64 = task<double>;
using task_string = task<std::string>;
using task_bytes = task<std::vector<std::uint8_t>>;

using generator_bool = generator<bool>;
using generator_i32 = generator<std::int32_t>;
using generator_i64 = generator<std::int64_t>;
using generator_u64 = generator<std::uint64_t>;
using generator_f64 = generator<double>;
using generator_string = generator<std::string>;
using generator_bytes = generator<std::vector<std::uint8_t>>;

}  // namespace corobridge
