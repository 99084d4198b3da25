// corobridge::sync_wait: block a plain C++ thread until a task finishes.
#pragma once

#include "corobridge/detail/config.hpp"  // first: stops a non-C++20 build with one message

#include <exception>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "corobridge/detail/abi.h"
#include "corobridge/detail/child_task.hpp"
#include "corobridge/executor.hpp"
#include "corobridge/task.hpp"

namespace corobridge {

namespace detail {

template <typename T>
task<void> sync_wait_root(task<T> t, std::optional<child_value_t<T>>* value,
                          std::exception_ptr* error) {
  try {
    if constexpr (std::is_void_v<T>) {
      co_await t;
      value->emplace();
    } else {
      value->emplace(co_await std::move(t));
    }
  } catch (...) {
    *error = std::current_exception();
  }
}

}  // namespace detail

/// Runs `t` to completion on a corobridge executor created for the call (real clock) and
/// blocks the calling thread meanwhile: it sleeps until a timer is due or another thread
/// wakes one of the task's coroutines. Returns its value or rethrows its exception.
/// Call it from a plain thread: on a thread that already drives coroutines it throws
/// `std::logic_error` (waiting there would deadlock).
template <typename T>
T sync_wait(task<T> t) {
  if (corobridge_rs_has_driver() != 0) {
    throw std::logic_error(
        "corobridge::sync_wait on a thread that drives coroutines would deadlock; co_await the "
        "task instead");
  }
  executor runner(clock_kind::real);
  std::optional<detail::child_value_t<T>> value;
  std::exception_ptr error;
  const spawn_id root = runner.ref().spawn(detail::sync_wait_root(std::move(t), &value, &error));
  if (corobridge_rs_executor_run_until_finished(runner.ref().raw(), root.value) != 0) {
    throw std::logic_error("corobridge::sync_wait: the executor could not run here");
  }
  if (error) std::rethrow_exception(error);
  if constexpr (!std::is_void_v<T>) return std::move(*value);
}

}  // namespace corobridge
