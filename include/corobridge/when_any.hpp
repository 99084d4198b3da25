// corobridge::when_any: the first of several tasks to finish wins; the others are cancelled.
#pragma once

#include "corobridge/detail/config.hpp"  // first: stops a non-C++20 build with one message

#include <cstddef>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "corobridge/detail/child_task.hpp"
#include "corobridge/task.hpp"
#include "corobridge/when_all.hpp"

namespace corobridge {

/// The winner of a when_any: its position and its value.
template <typename T>
struct when_any_result {
  std::size_t index;
  detail::child_value_t<T> value;
};

/// Runs the tasks concurrently until the first one finishes, then destroys the others
/// (their frames, with their locals and registrations: a loser waiting on a timer or a
/// Rust future is unregistered and drops it). Produces the winner's index and value, or
/// rethrows the winner's exception. Tasks after one that finishes while being started are
/// never started.
template <typename T>
task<when_any_result<T>> when_any(std::vector<task<T>> tasks) {
  if (tasks.empty()) throw std::invalid_argument("corobridge::when_any: no tasks");
  std::vector<detail::child_task<T>> children;
  children.reserve(tasks.size());
  for (task<T>& t : tasks) children.push_back(detail::make_child(std::move(t)));
  detail::child_counter counter(children.size(), true);
  detail::start_children<std::vector<detail::child_task<T>>> start{counter, children, true};
  co_await start;
  const std::size_t winner = counter.winner();
  when_any_result<T> result{winner, children[winner].take()};
  children.clear();  // cancels the losers now
  co_return result;
}

/// Variadic form of when_any for tasks of one type.
template <typename T, typename... Rest>
  requires(std::is_same_v<task<T>, Rest> && ...)
task<when_any_result<T>> when_any(task<T> first, Rest... rest) {
  std::vector<task<T>> tasks;
  tasks.reserve(1 + sizeof...(Rest));
  tasks.push_back(std::move(first));
  (tasks.push_back(std::move(rest)), ...);
  return when_any(std::move(tasks));
}

}  // namespace corobridge
