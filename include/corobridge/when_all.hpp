// corobridge::when_all: await several tasks at once.
#pragma once

#include "corobridge/detail/config.hpp"  // first: stops a non-C++20 build with one message

#include <cstddef>
#include <tuple>
#include <utility>
#include <vector>

#include "corobridge/detail/child_task.hpp"
#include "corobridge/task.hpp"

namespace corobridge {

namespace detail {

template <typename... Ts>
void start_each(std::tuple<child_task<Ts>...>& children, child_counter& counter) {
  std::size_t index = 0;
  std::apply([&](auto&... child) { (child.start(counter, index++), ...); }, children);
}

/// Starts children in order; for when_any, stops at the first that finishes at once.
template <typename T>
void start_each(std::vector<child_task<T>>& children, child_counter& counter,
                bool stop_at_winner = false) {
  for (std::size_t i = 0; i < children.size(); ++i) {
    if (stop_at_winner && counter.winner() != child_counter::none) break;
    children[i].start(counter, i);
  }
}

/// Starts the children from the awaiting coroutine's await_suspend. Always awaited as a
/// named local (GCC 12 mishandles lambdas and temporaries inside co_await expressions).
template <typename Children>
struct start_children {
  child_counter& counter;
  Children& children;
  bool stop_at_winner = false;
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> awaiting) noexcept {
    if constexpr (requires { start_each(children, counter, stop_at_winner); }) {
      start_each(children, counter, stop_at_winner);
    } else {
      start_each(children, counter);
    }
    return counter.arm(awaiting);
  }
  void await_resume() const noexcept {}
};

template <typename... Ts>
std::tuple<child_value_t<Ts>...> take_all(std::tuple<child_task<Ts>...>& children) {
  return std::apply(
      [](auto&... child) { return std::tuple<child_value_t<Ts>...>{child.take()...}; }, children);
}

}  // namespace detail

/// Runs all the tasks concurrently and produces their values, in order (`void` tasks
/// produce `std::monostate`). Waits for every task; if some threw, rethrows the exception of
/// the first of them (in argument order) once all have finished.
///
///     auto [a, b] = co_await corobridge::when_all(fetch_a(), fetch_b());
template <typename... Ts>
task<std::tuple<detail::child_value_t<Ts>...>> when_all(task<Ts>... tasks) {
  using children_t = std::tuple<detail::child_task<Ts>...>;
  children_t children{detail::make_child(std::move(tasks))...};
  detail::child_counter counter(sizeof...(Ts), false);
  detail::start_children<children_t> start{counter, children};
  co_await start;
  co_return detail::take_all(children);
}

/// Runs all the tasks of a vector concurrently; their values in order. As the variadic
/// form for exceptions.
template <typename T>
task<std::vector<detail::child_value_t<T>>> when_all(std::vector<task<T>> tasks) {
  std::vector<detail::child_task<T>> children;
  children.reserve(tasks.size());
  for (task<T>& t : tasks) children.push_back(detail::make_child(std::move(t)));
  detail::child_counter counter(children.size(), false);
  detail::start_children<std::vector<detail::child_task<T>>> start{counter, children};
  co_await start;
  std::vector<detail::child_value_t<T>> values;
  values.reserve(children.size());
  for (auto& child : children) values.push_back(child.take());
  co_return values;
}

}  // namespace corobridge
