// C++ misuse the library must turn into clear errors, never undefined behaviour: a task
// resumed through its handle, a generator iterated past its end, a finished task awaited
// again. Exposed to Rust through src/misuse_scenarios.rs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "corobridge/bridge.hpp"
#include "corobridge/game_timer.hpp"
#include "rust/cxx.h"

namespace corobridge::misuse {

/// A GameEngine on an executor lent by Rust, with a count of its waiters that fired.
struct Engine {
  explicit Engine(std::size_t executor_handle);
  GameEngine engine;
  std::shared_ptr<std::int32_t> fired = std::make_shared<std::int32_t>(0);
  /// schedule_resume scenarios: coroutines resumed, and frames destroyed.
  std::shared_ptr<std::int32_t> resumed = std::make_shared<std::int32_t>(0);
  std::shared_ptr<std::int32_t> destroyed = std::make_shared<std::int32_t>(0);
};
/// A GameEngine sharing the executor `handle` (a Rust Executor's raw_handle()).
std::unique_ptr<Engine> new_engine(std::size_t handle);
/// Spawns a behaviour that waits `delay_ms` on GameTimer, then counts itself as fired.
void engine_spawn_waiter(Engine& engine, std::int64_t delay_ms);
/// One frame (update()).
std::uint64_t engine_update(Engine& engine);
/// Waiters that fired.
std::int32_t engine_fired(const Engine& engine);
/// Spawns a task that suspends through engine.schedule_resume(own handle, now + delay_ms),
/// then counts itself resumed; with `nested`, that task is a child awaited by the spawned
/// one (destroying the parent destroys it). Returns the spawn id.
std::uint64_t engine_spawn_scheduled(Engine& engine, std::int64_t delay_ms, bool nested);
/// GameEngine::cancel_task: destroys a spawned task that has not finished.
bool engine_cancel(Engine& engine, std::uint64_t id);
/// Coroutines resumed by schedule_resume so far.
std::int32_t engine_resumed(const Engine& engine);
/// Frames of those coroutines destroyed so far (their guard's destructor ran).
std::int32_t engine_destroyed(const Engine& engine);
/// The engine's pending timers.
std::size_t engine_pending_timers(const Engine& engine);
/// True if, for a coroutine whose promise has its own operator new, handle.address() is the
/// pointer that operator new returned (what corobridge's frame pool indexes timers by).
bool handle_address_is_frame_start();
/// Moves a GameEngine on the executor `handle`, destroys the new owner, then updates the
/// moved-from one: the std::logic_error's what().
rust::String use_moved_from_engine(std::size_t handle);

/// A task<int32_t> whose handle C++ already resumed: returned to Rust to be awaited.
task<std::int32_t> started_through_handle();
/// Resumes a task's handle, then co_awaits the task: the std::logic_error's what().
task<std::string> await_after_handle_resume();
/// Iterates a three-value generator to its end, then increments the iterator again:
/// the std::logic_error's what().
rust::String increment_generator_past_end();
/// Dereferences a generator's iterator at its end: the std::logic_error's what().
rust::String dereference_generator_at_end();
/// Awaits one finished task<std::string> twice as an lvalue: both values, joined by '|'.
task<std::string> await_string_task_twice();
/// Awaits one finished task<int32_t> twice as an lvalue: the sum of both values.
task<std::int32_t> await_int_task_twice();
/// co_awaits std::move(task) twice: the second await's std::logic_error escapes.
task<std::string> await_moved_task_twice();

/// Calls run_until_idle() on the executor `handle` from a new thread: the error's what().
rust::String run_until_idle_from_another_thread(std::size_t handle);
/// Calls advance(1 ms) on the executor `handle` from a new thread: the error's what().
rust::String advance_from_another_thread(std::size_t handle);
/// Inside a task: GameEngine::update() on the executor running the task (a real clock):
/// the error's what().
task<std::string> update_engine_from_its_own_task();
/// Inside a task: advance(1 ms) on the executor running the task: the error's what().
task<std::string> advance_from_its_own_task();

/// A moved-from (empty) task<int32_t>.
task<std::int32_t> moved_from_task();
/// co_awaits a moved-from task: the std::logic_error's what().
task<std::string> await_empty_task();
/// Two coroutines await one task (the first started it and waits on a 1 ms timer): the
/// second one's std::logic_error what().
task<std::string> two_awaiters_of_one_task();
/// executor_ref::spawn on the executor `handle` from another thread: the error's what().
rust::String spawn_from_another_thread(std::size_t handle);
/// executor_ref::spawn of a task already started through its handle: the error's what().
rust::String spawn_started_task(std::size_t handle);

/// Starts a coroutine of a foreign type (not corobridge's: its promise rethrows what its
/// body throws) that co_awaits corobridge::yield(), then throws std::runtime_error(message)
/// out of its resumption by the driver; then yields twice itself and returns 7.
task<std::int32_t> start_foreign_thrower(rust::Str message);
/// Destroys the frames of this thread's foreign coroutines that threw (left at their final
/// suspend point by the rethrow); returns how many.
std::size_t destroy_foreign_throwers();
/// `co_await sleep_for(1ms)` in an eager coroutine that nothing drives (no executor, no
/// task awaited from Rust): what the co_await threw.
rust::String sleep_with_nothing_driving();

}  // namespace corobridge::misuse
