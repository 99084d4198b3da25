// What corobridge::fiber throws: misuse errors, and the forced unwind of a destroyed fiber.
#pragma once

#include "corobridge/detail/config.hpp"  // first: stops a non-C++20 build with one message

#include <stdexcept>
#include <string>
#include <utility>

#include "corobridge/detail/fiber_abi.h"

namespace corobridge::fiber {

/// Thrown by `yield`, `await` or `sleep_for` called outside any fiber.
class not_in_fiber : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// Thrown by `yield` when the yielded or the requested resume type is not the fiber's
/// (for example `yield<int32_t>(1)` inside a Rust `Fiber<String, i32, ()>`).
class type_mismatch : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// Thrown by `await`/`sleep_for` in a fiber that is driven by `Fiber::resume` rather than
/// polled as a Rust future (waits need an executor polling the fiber).
class not_polled : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// Thrown by `await` when the executor that drove the awaited task was dropped.
class executor_gone : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Unwinds the stack of a fiber that is being destroyed while suspended: `yield`, `await`
/// and `sleep_for` throw it, so every C++ frame between the suspension and the fiber's
/// base runs its destructors. It deliberately does not derive from std::exception.
///
/// Let it through: a `catch (...)` must rethrow it (`throw;`). One that swallows it is
/// detected when this object is destroyed without reaching the fiber's base, and reported
/// (`Fiber::cancel` returns `FiberError::UnwindSwallowed`; a plain drop prints why).
class forced_unwind {
 public:
  explicit forced_unwind(corobridge_fiber* fiber) noexcept : fiber_(fiber) {}
  /// A copy takes over the duty to reach the base (a `catch` by value, rethrown by value,
  /// stays correct); the source no longer reports anything.
  forced_unwind(const forced_unwind& other) noexcept : fiber_(std::exchange(other.fiber_, nullptr)) {}
  forced_unwind& operator=(const forced_unwind&) = delete;
  ~forced_unwind() {
    if (fiber_ != nullptr) corobridge_rs_fiber_unwind_swallowed(fiber_);
  }

  /// Called by the fiber's base when the unwind arrives.
  void delivered() const noexcept { fiber_ = nullptr; }

 private:
  mutable corobridge_fiber* fiber_;
};

}  // namespace corobridge::fiber
