// The misuse scenarios (misuse_scenarios.hpp).
#include "corobridge-testkit/cpp/misuse_scenarios.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include "corobridge/generator.hpp"
#include "corobridge/task.hpp"

namespace corobridge::misuse {

namespace {

task<std::int32_t> forty_two() { co_return 42; }

task<std::string> word(std::string text) { co_return text; }

generator<std::int32_t> three() {
  for (std::int32_t i = 0; i < 3; ++i) co_yield i;
}

}  // namespace

task<std::int32_t> started_through_handle() {
  task<std::int32_t> t = forty_two();
  t.handle().resume();
  return t;
}

task<std::string> await_after_handle_resume() {
  task<std::int32_t> t = forty_two();
  t.handle().resume();
  try {
    co_await t;
  } catch (const std::logic_error& e) {
    co_return std::string(e.what());
  }
  co_return std::string("no error");
}

rust::String increment_generator_past_end() {
  generator<std::int32_t> g = three();
  auto it = g.begin();
  while (it != g.end()) ++it;
  try {
    ++it;
  } catch (const std::logic_error& e) {
    return rust::String(e.what());
  }
  return rust::String("no error");
}

rust::String dereference_generator_at_end() {
  generator<std::int32_t> g = three();
  auto it = g.begin();
  while (it != g.end()) ++it;
  try {
    return rust::String(std::to_string(*it));
  } catch (const std::logic_error& e) {
    return rust::String(e.what());
  }
}

task<std::string> await_string_task_twice() {
  task<std::string> t = word("ab");
  std::string first = co_await t;
  std::string second = co_await t;
  co_return first + "|" + second;
}

task<std::int32_t> await_int_task_twice() {
  task<std::int32_t> t = forty_two();
  const std::int32_t first = co_await t;
  const std::int32_t second = co_await t;
  co_return first + second;
}

task<std::string> await_moved_task_twice() {
  task<std::string> t = word("ab");
  std::string first = co_await std::move(t);
  std::string second = co_await std::move(t);  // throws: the value was moved out
  co_return first + second;
}

}  // namespace corobridge::misuse
