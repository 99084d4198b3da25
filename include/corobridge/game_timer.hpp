// The seed's game-loop scheduling: GameTimer::wait_for and GameEngine, on corobridge's
// executor (its timer queue orders resumptions; destroyed tasks are unregistered).
#pragma once

#include "corobridge/detail/config.hpp"  // first: stops a non-C++20 build with one message

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <utility>

#include "corobridge/awaiters.hpp"
#include "corobridge/detail/abi.h"
#include "corobridge/executor.hpp"
#include "corobridge/task.hpp"

namespace corobridge {

/// `co_await GameTimer::wait_for(16ms)` suspends a game coroutine for a duration on the
/// clock of the executor (GameEngine) running it.
class GameTimer {
 public:
  template <typename Rep, typename Period>
  static sleep_awaiter wait_for(std::chrono::duration<Rep, Period> duration) noexcept {
    return sleep_for(duration);
  }
  /// With a prefetch hint: `hot` is the coroutine's pointer variable to the data it
  /// touches when it resumes (see `corobridge::sleep_for`).
  template <typename Rep, typename Period, typename T>
  static sleep_awaiter wait_for(std::chrono::duration<Rep, Period> duration,
                                T* const& hot) noexcept {
    return sleep_for(duration, hot);
  }
};

/// Identifies a GameEngine::schedule_resume registration.
using resume_id = corobridge_timer_id;

/// The seed's game engine: owns spawned behaviour tasks and resumes coroutines at their
/// scheduled times. Backed by corobridge's executor: either its own (constructed with a
/// clock) or one lent by Rust (`GameEngine{executor_ref{...}}`), of which the engine is then
/// an owner too: the executor lives as long as the engine, even if Rust drops its
/// `Executor` first. A moved-from engine throws std::logic_error when used. One frame is one
/// `update()`: on a real clock it runs what is due now; on a virtual clock it first moves
/// time forward by the frame time. Equal deadlines fire in the order they were set.
class GameEngine {
 public:
  using clock = executor_clock;
  using time_point = executor_clock::time_point;

  /// An engine with its own executor.
  explicit GameEngine(clock_kind kind = clock_kind::real,
                      std::chrono::nanoseconds frame_time = std::chrono::milliseconds(16))
      : owned_(kind), frame_time_(frame_time) {}
  /// An engine driving a lent executor, which it shares ownership of (on that
  /// executor's thread; std::logic_error otherwise).
  explicit GameEngine(executor_ref executor,
                      std::chrono::nanoseconds frame_time = std::chrono::milliseconds(16))
      : owned_(corobridge::executor::share(executor)), frame_time_(frame_time) {}

  /// Starts a behaviour; the engine owns it until it finishes or is cancelled.
  template <typename T>
  spawn_id spawn_task(task<T> behaviour) {
    return live().spawn(std::move(behaviour));
  }
  /// Destroys a spawned behaviour that has not finished.
  bool cancel_task(spawn_id id) noexcept { return owned_.ref().cancel(id); }

  /// Resumes `handle` at `when` (the seed's verb); prefer `co_await GameTimer::wait_for`,
  /// whose awaiter owns its timer. A destroyed frame is never resumed: if `handle` is a
  /// corobridge coroutine (a `task`, a `generator`: their frames come from corobridge's
  /// frame pool), destroying it cancels this registration, on the engine's thread (from
  /// another thread that stops the process with a message). A coroutine of a promise type
  /// of your own must `cancel_resume(id)` before it is destroyed: corobridge cannot see
  /// its frame go.
  resume_id schedule_resume(std::coroutine_handle<> handle, time_point when) {
    resume_id id{};
    if (corobridge_rs_executor_timer_at(live().raw(), when.time_since_epoch().count(),
                                        handle.address(), &id) != 0) {
      throw std::logic_error("corobridge: schedule_resume off the engine's thread");
    }
    return id;
  }
  /// Steady-clock overload for real-clock engines (the seed's signature).
  resume_id schedule_resume(std::coroutine_handle<> handle,
                            std::chrono::steady_clock::time_point when) {
    const auto from_now = when - std::chrono::steady_clock::now();
    return schedule_resume(
        handle, now() + std::chrono::duration_cast<std::chrono::nanoseconds>(from_now));
  }
  /// Cancels a schedule_resume registration (no-op if it already fired).
  void cancel_resume(const resume_id& id) noexcept { corobridge_rs_timer_cancel(&id); }

  /// Runs one frame; returns the number of resumes and polls it did.
  std::uint64_t update() {
    const executor_ref executor = live();
    if (executor.is_virtual()) return update(frame_time_);
    return executor.run_until_idle();
  }
  /// Virtual clock: moves time forward by `dt`, firing timers in deadline order and
  /// running what they wake; returns the number of resumes and polls done.
  std::uint64_t update(std::chrono::nanoseconds dt) { return live().advance(dt); }

  [[nodiscard]] time_point now() const noexcept { return owned_.ref().now(); }
  [[nodiscard]] std::chrono::nanoseconds frame_time() const noexcept { return frame_time_; }
  [[nodiscard]] std::size_t live_tasks() const noexcept { return owned_.ref().live_tasks(); }
  [[nodiscard]] std::size_t pending_timers() const noexcept {
    return owned_.ref().pending_timers();
  }
  [[nodiscard]] executor_ref executor() const noexcept { return owned_.ref(); }

 private:
  /// The executor, or a std::logic_error for a moved-from engine.
  executor_ref live() const {
    const executor_ref ref = owned_.ref();
    if (ref.raw() == nullptr) {
      throw std::logic_error("corobridge::GameEngine: used after it was moved from");
    }
    return ref;
  }

  corobridge::executor owned_;
  std::chrono::nanoseconds frame_time_;
};

}  // namespace corobridge
