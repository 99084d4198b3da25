// The C++ view of corobridge's (Rust) executor: spawn tasks, run, move virtual time.
#pragma once

#include "corobridge/detail/config.hpp"  // first: stops a non-C++20 build with one message

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

#include "corobridge/detail/abi.h"
#include "corobridge/task.hpp"

namespace corobridge {

/// Thrown when something needs a corobridge executor (or another driver) on this thread
/// and none is running there.
class no_executor : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// Which clock an executor reads.
enum class clock_kind {
  real,          ///< steady (monotonic) time
  virtual_time,  ///< time moves only when advanced: deterministic tests and simulation
};

/// Identifies a task spawned on an executor (0 is never a valid id).
struct spawn_id {
  std::uint64_t value = 0;
  friend bool operator==(spawn_id, spawn_id) = default;
};

/// The clock of the executor running on this thread (virtual or real), in nanoseconds
/// since that executor was created. `now()` throws `no_executor` when none runs here.
struct executor_clock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<executor_clock>;
  static constexpr bool is_steady = true;
  static time_point now();
};

/// A non-owning reference to a corobridge executor (the Rust runtime). Use it only on
/// the thread that runs the executor.
class executor_ref {
 public:
  explicit executor_ref(corobridge_executor* raw) noexcept : raw_(raw) {}

  /// The executor running on this thread; throws `no_executor` if there is none.
  static executor_ref current() {
    corobridge_executor* raw = corobridge_rs_current_executor();
    if (raw == nullptr) throw no_executor("corobridge: no executor is running on this thread");
    return executor_ref{raw};
  }

  /// Hands a task to the executor, which starts it on its next run and destroys its
  /// frame when it finishes (an exception it throws is recorded by the executor).
  template <typename T>
  spawn_id spawn(task<T> t) const {
    if (!t.valid()) throw std::invalid_argument("corobridge: spawned an empty task");
    if (raw_ == nullptr) throw std::logic_error("corobridge: spawn on an empty executor_ref");
    if ((t.handle().promise().load_state() & (COROBRIDGE_KIND_MASK | COROBRIDGE_STATE_DONE)) !=
        COROBRIDGE_KIND_NONE) {
      throw std::logic_error(
          "corobridge: spawned a task that already started; spawn it before anything runs it");
    }
    const std::uint64_t id = corobridge_rs_executor_spawn(raw_, t.release());
    if (id == 0) {
      throw std::logic_error(
          "corobridge: spawn refused: not the executor's thread (an executor takes tasks on "
          "the thread that runs it; from another thread, hand work over with a channel or "
          "an async_event)");
    }
    return spawn_id{id};
  }
  /// Destroys a spawned task that has not finished yet. Returns false if it already had.
  bool cancel(spawn_id id) const noexcept {
    return corobridge_rs_executor_cancel(raw_, id.value) == 1;
  }
  /// Spawned tasks that have not finished.
  [[nodiscard]] std::size_t live_tasks() const noexcept {
    return corobridge_rs_executor_live_tasks(raw_);
  }
  /// Runs ready work and due timers until nothing is left to do now; returns the number of
  /// resumes and polls done. Throws std::logic_error, saying which, when called from
  /// another thread than the executor's or from inside one of its own tasks.
  std::uint64_t run_until_idle() const {
    const std::uint64_t work = corobridge_rs_executor_run_until_idle(raw_);
    if (work == UINT64_MAX) throw_loop_error("run_until_idle()");
    return work;
  }
  /// Virtual clock only: moves time forward, firing timers in deadline order and running
  /// what they wake. Returns the number of resumes and polls done. Throws
  /// std::logic_error on a real clock, from another thread, or from inside one of the
  /// executor's own tasks, saying which.
  std::uint64_t advance(std::chrono::nanoseconds by) const {
    const std::int64_t work = corobridge_rs_executor_advance(raw_, by.count());
    if (work == -2) throw_loop_error("advance()");
    if (work < 0) {
      if (raw_ == nullptr) throw std::logic_error("corobridge: advance() on an empty executor_ref");
      throw std::logic_error("corobridge: advance() needs an executor with a virtual clock");
    }
    return static_cast<std::uint64_t>(work);
  }
  /// True if the executor reads a virtual clock.
  [[nodiscard]] bool is_virtual() const noexcept {
    return corobridge_rs_executor_is_virtual(raw_) != 0;
  }
  [[nodiscard]] executor_clock::time_point now() const noexcept {
    return executor_clock::time_point{
        std::chrono::nanoseconds{corobridge_rs_executor_now(raw_)}};
  }
  [[nodiscard]] std::size_t pending_timers() const noexcept {
    return corobridge_rs_executor_pending_timers(raw_);
  }
  /// C++ coroutine resumes done so far.
  [[nodiscard]] std::uint64_t resumes() const noexcept {
    return corobridge_rs_executor_resumes(raw_);
  }
  [[nodiscard]] corobridge_executor* raw() const noexcept { return raw_; }

 private:
  /// Why a loop call was refused: the executor is running this very call's caller, or
  /// this is not its thread.
  [[noreturn]] void throw_loop_error(const char* call) const {
    const std::string name = std::string("corobridge: ") + call;
    if (raw_ == nullptr) throw std::logic_error(name + " on an empty executor_ref");
    if (corobridge_rs_current_executor() == raw_) {
      throw std::logic_error(name +
                             " called from inside a task of the same executor, which is "
                             "already running it; suspend instead (co_await a timer or "
                             "an event) and let the loop go on");
    }
    throw std::logic_error(name +
                           " called from a thread other than the executor's: an executor "
                           "runs on the thread that made it; from other threads, wake its "
                           "tasks (async_event::set, a Rust waker) instead");
  }

  corobridge_executor* raw_;
};

inline executor_clock::time_point executor_clock::now() { return executor_ref::current().now(); }

/// An executor owned by C++ (for a C++ program that has no Rust `Executor` to lend).
class executor {
 public:
  explicit executor(clock_kind clock = clock_kind::real)
      : raw_(corobridge_rs_executor_new(clock == clock_kind::virtual_time ? 1 : 0)) {}
  /// Another owner of the executor behind `ref` (a Rust `Executor` lent to C++): the
  /// executor lives until its last owner, Rust or C++, is gone. Throws std::logic_error
  /// if `ref` is empty or this is not the executor's thread.
  static executor share(executor_ref ref) {
    if (corobridge_rs_executor_retain(ref.raw()) == 0) {
      throw std::logic_error(
          "corobridge: cannot share an executor from an empty executor_ref or off the "
          "executor's thread");
    }
    return executor{adopt, ref.raw()};
  }
  executor(executor&& other) noexcept : raw_(std::exchange(other.raw_, nullptr)) {}
  executor& operator=(executor&& other) noexcept {
    if (this != &other) {
      if (raw_ != nullptr) corobridge_rs_executor_free(raw_);
      raw_ = std::exchange(other.raw_, nullptr);
    }
    return *this;
  }
  executor(const executor&) = delete;
  executor& operator=(const executor&) = delete;
  /// Destroys the tasks it still owns.
  ~executor() {
    if (raw_ != nullptr) corobridge_rs_executor_free(raw_);
  }
  [[nodiscard]] executor_ref ref() const noexcept { return executor_ref{raw_}; }

 private:
  struct adopt_t {};
  static constexpr adopt_t adopt{};
  executor(adopt_t, corobridge_executor* raw) noexcept : raw_(raw) {}

  corobridge_executor* raw_;
};

}  // namespace corobridge
