// The misuse scenarios (misuse_scenarios.hpp).
#include "corobridge-testkit/cpp/misuse_scenarios.hpp"

#include <chrono>
#include <stdexcept>
#include <thread>
#include <string>
#include <utility>
#include <vector>

#include "corobridge/executor.hpp"
#include "corobridge/game_timer.hpp"
#include "corobridge/generator.hpp"
#include "corobridge/when_all.hpp"
#include "corobridge/awaiters.hpp"
#include "corobridge/task.hpp"

namespace corobridge::misuse {

namespace {

task<std::int32_t> forty_two() { co_return 42; }

task<std::string> word(std::string text) { co_return text; }

generator<std::int32_t> three() {
  for (std::int32_t i = 0; i < 3; ++i) co_yield i;
}

}  // namespace

Engine::Engine(std::size_t executor_handle)
    : engine(executor_ref{reinterpret_cast<corobridge_executor*>(executor_handle)},
             std::chrono::milliseconds(16)) {}

std::unique_ptr<Engine> new_engine(std::size_t handle) { return std::make_unique<Engine>(handle); }

namespace {

task<void> wait_then_count(std::shared_ptr<std::int32_t> fired, std::int64_t delay_ms) {
  co_await GameTimer::wait_for(std::chrono::milliseconds(delay_ms));
  ++*fired;
}

}  // namespace

void engine_spawn_waiter(Engine& engine, std::int64_t delay_ms) {
  (void)engine.engine.spawn_task(wait_then_count(engine.fired, delay_ms));
}

std::uint64_t engine_update(Engine& engine) { return engine.engine.update(); }

std::int32_t engine_fired(const Engine& engine) { return *engine.fired; }

namespace {

/// Suspends the awaiting coroutine through GameEngine::schedule_resume (the seed's verb).
struct resume_at {
  GameEngine* engine;
  GameEngine::time_point when;
  resume_id* id;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> handle) const {
    *id = engine->schedule_resume(handle, when);
  }
  void await_resume() const noexcept {}
};

/// Counts its destruction (the frame holding it was destroyed, or finished).
struct count_destroyed {
  explicit count_destroyed(std::shared_ptr<std::int32_t> counter) : destroyed(std::move(counter)) {}
  std::shared_ptr<std::int32_t> destroyed;
  count_destroyed(const count_destroyed&) = delete;
  count_destroyed& operator=(const count_destroyed&) = delete;
  ~count_destroyed() { ++*destroyed; }
};

task<void> scheduled(GameEngine* engine, std::int64_t delay_ms,
                     std::shared_ptr<std::int32_t> resumed,
                     std::shared_ptr<std::int32_t> destroyed) {
  const count_destroyed guard{std::move(destroyed)};
  resume_id id{};
  const resume_at awaiter{engine, engine->now() + std::chrono::milliseconds(delay_ms), &id};
  co_await awaiter;
  ++*resumed;
}

task<void> parent_of_scheduled(GameEngine* engine, std::int64_t delay_ms,
                               std::shared_ptr<std::int32_t> resumed,
                               std::shared_ptr<std::int32_t> destroyed) {
  task<void> child = scheduled(engine, delay_ms, std::move(resumed), std::move(destroyed));
  co_await child;
}

}  // namespace

std::uint64_t engine_spawn_scheduled(Engine& engine, std::int64_t delay_ms, bool nested) {
  GameEngine* const game = &engine.engine;
  if (nested) {
    return game->spawn_task(parent_of_scheduled(game, delay_ms, engine.resumed, engine.destroyed))
        .value;
  }
  return game->spawn_task(scheduled(game, delay_ms, engine.resumed, engine.destroyed)).value;
}

bool engine_cancel(Engine& engine, std::uint64_t id) {
  return engine.engine.cancel_task(spawn_id{id});
}

std::int32_t engine_resumed(const Engine& engine) { return *engine.resumed; }

std::int32_t engine_destroyed(const Engine& engine) { return *engine.destroyed; }

std::size_t engine_pending_timers(const Engine& engine) { return engine.engine.pending_timers(); }

namespace {

/// Where the last frame_probe frame was allocated.
void* last_probe_frame = nullptr;

/// A coroutine type of its own (not corobridge's) whose operator new records its pointer.
struct frame_probe {
  struct promise_type {
    static void* operator new(std::size_t size) {
      last_probe_frame = ::operator new(size);
      return last_probe_frame;
    }
    static void operator delete(void* frame) noexcept { ::operator delete(frame); }
    frame_probe get_return_object() {
      return frame_probe{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept {}
  };
  std::coroutine_handle<promise_type> handle;
};

frame_probe probe() { co_return; }

}  // namespace

bool handle_address_is_frame_start() {
  const frame_probe p = probe();
  const bool same = p.handle.address() == last_probe_frame;
  p.handle.destroy();
  return same;
}

rust::String use_moved_from_engine(std::size_t handle) {
  GameEngine first{executor_ref{reinterpret_cast<corobridge_executor*>(handle)}};
  {
    GameEngine second = std::move(first);
    (void)second.update();
  }
  try {
    (void)first.update();  // NOLINT(bugprone-use-after-move): the misuse under test
  } catch (const std::logic_error& e) {
    return rust::String(e.what());
  }
  return rust::String("no error");
}

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

namespace {

/// Runs `call` on a new thread; the std::logic_error's what() it threw, or "no error".
template <typename F>
rust::String on_another_thread(F call) {
  std::string message = "no error";
  std::thread thread([&] {
    try {
      call();
    } catch (const std::logic_error& e) {
      message = e.what();
    }
  });
  thread.join();
  return rust::String(message);
}

}  // namespace

rust::String run_until_idle_from_another_thread(std::size_t handle) {
  executor_ref executor{reinterpret_cast<corobridge_executor*>(handle)};
  return on_another_thread([executor] { executor.run_until_idle(); });
}

rust::String advance_from_another_thread(std::size_t handle) {
  executor_ref executor{reinterpret_cast<corobridge_executor*>(handle)};
  return on_another_thread([executor] { executor.advance(std::chrono::milliseconds(1)); });
}

task<std::string> update_engine_from_its_own_task() {
  GameEngine engine{executor_ref::current()};
  try {
    engine.update();
  } catch (const std::logic_error& e) {
    co_return std::string(e.what());
  }
  co_return std::string("no error");
}

task<std::int32_t> moved_from_task() {
  task<std::int32_t> t = forty_two();
  task<std::int32_t> owner = std::move(t);
  return t;
}

task<std::string> await_empty_task() {
  task<std::int32_t> t = moved_from_task();
  try {
    co_await t;
  } catch (const std::logic_error& e) {
    co_return std::string(e.what());
  }
  co_return std::string("no error");
}

namespace {

task<std::int32_t> one_after_a_millisecond() {
  co_await sleep_for(std::chrono::milliseconds(1));
  co_return 1;
}

// The task outlives both awaiters: it belongs to two_awaiters_of_one_task's frame.
task<std::string> first_awaiter(task<std::int32_t>* t) {
  co_await *t;
  co_return std::string("first");
}

task<std::string> second_awaiter(task<std::int32_t>* t) {
  try {
    co_await *t;
  } catch (const std::logic_error& e) {
    co_return std::string(e.what());
  }
  co_return std::string("no error");
}

}  // namespace

task<std::string> two_awaiters_of_one_task() {
  task<std::int32_t> shared = one_after_a_millisecond();
  auto both = when_all(first_awaiter(&shared), second_awaiter(&shared));
  auto [first, second] = co_await both;
  co_return second;
}

rust::String spawn_from_another_thread(std::size_t handle) {
  executor_ref executor{reinterpret_cast<corobridge_executor*>(handle)};
  return on_another_thread([executor] { (void)executor.spawn(forty_two()); });
}

rust::String spawn_started_task(std::size_t handle) {
  executor_ref executor{reinterpret_cast<corobridge_executor*>(handle)};
  try {
    (void)executor.spawn(started_through_handle());
  } catch (const std::logic_error& e) {
    return rust::String(e.what());
  }
  return rust::String("no error");
}

namespace {

/// This thread's foreign coroutines that threw, parked at their final suspend point.
std::vector<std::coroutine_handle<>>& thrown_foreign_frames() {
  thread_local std::vector<std::coroutine_handle<>> frames;
  return frames;
}

/// A coroutine type of some other library: eager, self-destroying when it returns, and
/// letting what its body throws escape to whoever resumes it.
struct foreign_coroutine {
  struct promise_type {
    foreign_coroutine get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() {
      // The rethrow leaves the frame at its final suspend point, for its owner to destroy.
      thrown_foreign_frames().push_back(
          std::coroutine_handle<promise_type>::from_promise(*this));
      throw;
    }
  };
};

foreign_coroutine foreign_thrower(std::string message) {
  co_await corobridge::yield();
  throw std::runtime_error(message);
}

}  // namespace

task<std::int32_t> start_foreign_thrower(rust::Str message) {
  foreign_thrower(std::string(message));
  co_await corobridge::yield();
  co_await corobridge::yield();
  co_return 7;
}

std::size_t destroy_foreign_throwers() {
  auto& frames = thrown_foreign_frames();
  const std::size_t count = frames.size();
  for (auto frame : frames) frame.destroy();
  frames.clear();
  return count;
}

namespace {

// Nothing drives it: its body runs inline in its caller, and nobody resumes it again.
foreign_coroutine sleep_undriven(std::string* message) {
  try {
    co_await sleep_for(std::chrono::milliseconds(1));
    *message = "no error";
  } catch (const no_executor& e) {
    *message = e.what();
  }
}

}  // namespace

rust::String sleep_with_nothing_driving() {
  std::string message = "never ran";
  sleep_undriven(&message);
  return rust::String(message);
}

task<std::string> advance_from_its_own_task() {
  try {
    executor_ref::current().advance(std::chrono::milliseconds(1));
  } catch (const std::logic_error& e) {
    co_return std::string(e.what());
  }
  co_return std::string("no error");
}

}  // namespace corobridge::misuse
