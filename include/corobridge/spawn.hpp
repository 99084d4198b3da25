// corobridge::spawn: hand a task to the executor running on this thread (detached).
#pragma once

#include "corobridge/detail/config.hpp"  // first: stops a non-C++20 build with one message

#include <utility>

#include "corobridge/executor.hpp"
#include "corobridge/task.hpp"

namespace corobridge {

/// Starts `t` on the executor running this thread, which owns it from then on: it runs to
/// completion on its own (an exception it throws is recorded by the executor, see
/// `Executor::take_failures` in Rust) unless cancelled with `executor_ref::cancel`.
/// Throws `no_executor` when no corobridge executor runs here.
template <typename T>
spawn_id spawn(task<T> t) {
  return executor_ref::current().spawn(std::move(t));
}

}  // namespace corobridge
