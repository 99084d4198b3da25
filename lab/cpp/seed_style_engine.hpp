// The baseline for the game benchmark: the seed's engine written the way the seed writes
// it (an eagerly started Task, a GameTimer awaitable that registers with a singleton
// engine, a std::priority_queue of handles, and a sweep of finished tasks every update),
// with only its outright bugs fixed (a double destroy, and popping the wrong entry after a
// resume that schedules). It runs the same patrol code as corobridge's engine.
#pragma once

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <queue>
#include <utility>
#include <vector>

#include "corobridge-lab/game_world.hpp"

namespace corobridge::seed_style {

/// The seed's Task: starts eagerly, terminates on an exception.
struct Task {
  struct promise_type {
    Task get_return_object() {
      return Task{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_never initial_suspend() noexcept { return {}; }
    // The seed uses suspend_never here and destroys again in ~Task: a double free.
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { std::terminate(); }
  };

  std::coroutine_handle<promise_type> coro;
  explicit Task(std::coroutine_handle<promise_type> h) : coro(h) {}
  Task(Task&& other) noexcept : coro(std::exchange(other.coro, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      if (coro) coro.destroy();
      coro = std::exchange(other.coro, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() {
    if (coro) coro.destroy();
  }
};

struct ScheduledResume {
  std::int64_t resume_time;
  std::coroutine_handle<> handle;
  // std::priority_queue is a max-heap: the earliest time must compare greatest.
  bool operator<(const ScheduledResume& other) const { return resume_time > other.resume_time; }
};

/// The seed's GameEngine on a virtual clock.
class GameEngine {
 public:
  /// The seed's singleton: the engine current on this thread.
  static GameEngine& instance();
  /// Makes this engine the one `instance()` returns on this thread.
  void make_current() noexcept;

  void update(std::int64_t dt_ns);
  void schedule_resume(std::coroutine_handle<> handle, std::int64_t when) {
    scheduled_resumes_.push(ScheduledResume{when, handle});
  }
  void spawn_task(Task task) { active_tasks_.push_back(std::move(task)); }

  [[nodiscard]] std::int64_t now() const noexcept { return now_; }
  [[nodiscard]] std::uint64_t resumes() const noexcept { return resumes_; }
  [[nodiscard]] std::size_t task_count() const noexcept { return active_tasks_.size(); }

 private:
  std::vector<Task> active_tasks_;
  std::priority_queue<ScheduledResume> scheduled_resumes_;
  std::int64_t now_ = 0;
  std::uint64_t resumes_ = 0;
};

/// The seed's GameTimer, registering with GameEngine::instance().
class GameTimer {
 public:
  struct awaitable {
    std::chrono::milliseconds duration;
    std::int64_t start_time;

    explicit awaitable(std::chrono::milliseconds dur)
        : duration(dur), start_time(GameEngine::instance().now()) {}
    bool await_ready() const { return GameEngine::instance().now() >= deadline(); }
    void await_suspend(std::coroutine_handle<> handle) const {
      GameEngine::instance().schedule_resume(handle, deadline());
    }
    void await_resume() const {}
    [[nodiscard]] std::int64_t deadline() const {
      return start_time + std::chrono::nanoseconds(duration).count();
    }
  };
  static awaitable wait_for(std::chrono::milliseconds ms) { return awaitable(ms); }
  /// The seed's engine has no use for corobridge's prefetch hints.
  template <typename T>
  static awaitable wait_for(std::chrono::milliseconds ms, T* const&) {
    return awaitable(ms);
  }
};

/// A world of patrolling NPCs on the seed-style engine, advanced one frame at a time.
class seed_style_world {
 public:
  explicit seed_style_world(std::size_t npcs);
  /// One 16 ms frame; returns the resumes it did.
  std::uint64_t frame();
  [[nodiscard]] const game::world& state() const noexcept { return world_; }
  [[nodiscard]] std::size_t task_count() const noexcept { return engine_.task_count(); }

 private:
  game::world world_;
  GameEngine engine_;
};

}  // namespace corobridge::seed_style
