// Names for cxx: the task, generator, Rust future and Rust stream types that cross the
// boundary by value.
//
// In a `#[cxx::bridge]`, declare e.g.
//     #[namespace = "corobridge"] type task_i32 = corobridge::CppTask<i32>;
// and return `task_i32` from a C++ function that returns `corobridge::task<int32_t>`.
// For a type of your own, add one alias here-style in your header
// (`using task_point = corobridge::task<Point>;`) and one `corobridge::bridge_value!` line
// in Rust.
#pragma once

#include "corobridge/detail/config.hpp"  // first: stops a non-C++20 build with one message

#include <cstdint>
#include <string>
#include <vector>

#include "corobridge/async_generator.hpp"
#include "corobridge/generator.hpp"
#include "corobridge/rust_future.hpp"
#include "corobridge/rust_stream.hpp"
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

using async_generator_bool = async_generator<bool>;
using async_generator_i32 = async_generator<std::int32_t>;
using async_generator_i64 = async_generator<std::int64_t>;
using async_generator_u64 = async_generator<std::uint64_t>;
using async_generator_f64 = async_generator<double>;
using async_generator_string = async_generator<std::string>;
using async_generator_bytes = async_generator<std::vector<std::uint8_t>>;

using rust_future_unit = rust_future<void>;
using rust_future_bool = rust_future<bool>;
using rust_future_i32 = rust_future<std::int32_t>;
using rust_future_i64 = rust_future<std::int64_t>;
using rust_future_u64 = rust_future<std::uint64_t>;
using rust_future_f64 = rust_future<double>;
using rust_future_string = rust_future<std::string>;
using rust_future_bytes = rust_future<std::vector<std::uint8_t>>;

using rust_stream_bool = rust_stream<bool>;
using rust_stream_i32 = rust_stream<std::int32_t>;
using rust_stream_i64 = rust_stream<std::int64_t>;
using rust_stream_u64 = rust_stream<std::uint64_t>;
using rust_stream_f64 = rust_stream<double>;
using rust_stream_string = rust_stream<std::string>;
using rust_stream_bytes = rust_stream<std::vector<std::uint8_t>>;

}  // namespace corobridge
