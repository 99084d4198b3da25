// Stackful fibers from C++: suspend the Rust `corobridge::Fiber` this code runs in, from
// any depth of ordinary (non-coroutine) C++ calls, suspending every C++ and Rust frame in
// between:
//
//   void deep_function_call() {
//     int32_t next = corobridge::fiber::yield<int32_t>(7);  // Fiber<i32, i32, _> gets 7
//     corobridge::fiber::sleep_for(16ms);                   // only this fiber waits
//     int32_t sum = corobridge::fiber::await(add_after(1, 2, 50));  // a C++ task<int32_t>
//   }
//
// Values: void, bool, std::int32_t, std::int64_t, std::uint64_t, double, std::string and
// std::vector<std::uint8_t> (Rust (), bool, i32, i64, u64, f64, String, Vec<u8>); the
// kinds are checked at run time against the Rust fiber's types (type_mismatch).
//
// Rules: call C++ that may yield from Rust through `extern "C-unwind"` declarations (a
// fiber dropped while suspended unwinds its stack with corobridge::fiber::forced_unwind;
// through an `extern "C"` frame that would abort). Functions between the fiber's base and
// a yield must not be noexcept, and a `catch (...)` must rethrow (`throw;`).
#pragma once

#include "corobridge/detail/config.hpp"  // first: stops a non-C++20 build with one message

#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "corobridge/detail/fiber_value.hpp"
#include "corobridge/detail/fiber_abi.h"
#include "corobridge/fiber_errors.hpp"
#include "corobridge/task.hpp"

namespace corobridge::fiber {

namespace detail {

/// Throws the exception that describes a non-OK status of a fiber call (forced_unwind
/// for COROBRIDGE_FIBER_UNWIND). `operation` names the call in messages.
[[noreturn]] void throw_status(int status, std::uint32_t yielded_kind,
                               std::uint32_t resume_kind, const char* operation);

/// Yields a value of `kind` given as its bits (a view's address for strings and vectors,
/// which must outlive the call) and builds the resume input from the bits returned.
template <typename Resume>
Resume yield_bits(std::uint32_t kind, std::uint64_t bits) {
  constexpr std::uint32_t resume_kind = value_kind<Resume>::value;
  const corobridge_fiber_resumed resumed = corobridge_rs_fiber_yield(kind, bits, resume_kind);
  if (resumed.status != COROBRIDGE_FIBER_OK) [[unlikely]] {
    throw_status(resumed.status, kind, resume_kind, "yield");
  }
  if constexpr (!std::is_void_v<Resume>) return from_bits<Resume>(resumed.input);
}

/// Yields `value`: a scalar in its bits, a string or vector through a view of it.
template <typename Resume, typename T>
Resume yield_value(const T& value) {
  if constexpr (is_scalar_value<T>) {
    return yield_bits<Resume>(value_kind<T>::value, bits_of(value));
  } else {
    const corobridge_fiber_value view = view_of(value);
    return yield_bits<Resume>(value_kind<T>::value, address_bits(&view));
  }
}

/// The task<void> that `await` hands to Rust: awaits `inner` and keeps its outcome in the
/// caller's frame (on the fiber's stack, alive until the wait is over), so the original
/// exception object, not a description, is rethrown to the caller.
template <typename T>
task<void> capture(task<T> inner, std::optional<T>* value, std::exception_ptr* error) {
  try {
    T result = co_await inner;
    value->emplace(std::move(result));
  } catch (...) {
    *error = std::current_exception();
  }
}
inline task<void> capture_void(task<void> inner, std::exception_ptr* error) {
  try {
    co_await inner;
  } catch (...) {
    *error = std::current_exception();
  }
}

inline void await_capture(task<void> wrapper) {
  const int status = corobridge_rs_fiber_await_task(wrapper.release(), nullptr);
  if (status != COROBRIDGE_FIBER_OK) {
    throw_status(status, COROBRIDGE_FIBER_VALUE_UNIT, COROBRIDGE_FIBER_VALUE_UNIT, "await");
  }
}

}  // namespace detail

/// True if this code runs inside a corobridge fiber.
inline bool in_fiber() noexcept { return corobridge_rs_fiber_current() != nullptr; }

/// Suspends the running fiber, handing `value` to whoever resumed it (the Rust
/// `Fiber::resume` returns `FiberStep::Yielded(value)`), and returns the next resume's
/// input as a `Resume` (void: the fiber's input type is `()`).
///
/// Throws `not_in_fiber` outside a fiber, `type_mismatch` if `T` or `Resume` is not the
/// fiber's yield or input type (nothing is suspended then), and `forced_unwind` when the
/// fiber is destroyed while suspended here (let it propagate).
template <typename Resume = void, typename T>
  requires detail::fiber_value<std::remove_cvref_t<T>> &&
           (std::is_void_v<Resume> || detail::fiber_value<Resume>)
Resume yield(const T& value) {
  return detail::yield_value<Resume>(value);
}

/// `yield` of a string literal or view: crosses as a `std::string` / Rust `String`.
template <typename Resume = void>
  requires(std::is_void_v<Resume> || detail::fiber_value<Resume>)
Resume yield(std::string_view text) {
  const corobridge_fiber_value view{text.data(), text.size(), COROBRIDGE_FIBER_VALUE_STRING};
  return detail::yield_bits<Resume>(COROBRIDGE_FIBER_VALUE_STRING, detail::address_bits(&view));
}

/// Suspends the running fiber yielding nothing (the seed's `co_yield()`): for a Rust
/// fiber whose yield type is `()`. Polled as a Rust future, such a fiber lets the
/// executor run other ready work and continues on its next turn.
template <typename Resume = void>
  requires(std::is_void_v<Resume> || detail::fiber_value<Resume>)
Resume yield() {
  return detail::yield_bits<Resume>(COROBRIDGE_FIBER_VALUE_UNIT, 0);
}

/// Blocks this fiber (only this fiber: the executor runs other work meanwhile) until the
/// C++ task finishes, and returns its value or rethrows its exception. The fiber must be
/// polled by a corobridge executor (spawned, or `.await`ed from a spawned Rust task);
/// throws `not_polled` when it is driven by `Fiber::resume`.
template <typename T>
T await(task<T> awaited) {
  if (!awaited.valid()) throw std::logic_error("corobridge::fiber::await: the task is empty");
  std::exception_ptr error;
  if constexpr (std::is_void_v<T>) {
    detail::await_capture(detail::capture_void(std::move(awaited), &error));
    if (error) std::rethrow_exception(error);
  } else {
    std::optional<T> value;
    detail::await_capture(detail::capture(std::move(awaited), &value, &error));
    if (error) std::rethrow_exception(error);
    return std::move(*value);
  }
}

/// Blocks this fiber for `delay` on the clock of the executor polling it (the clock of
/// GameTimer, virtual or real). Throws `corobridge::no_executor` without one, and
/// `not_polled` in a fiber driven by `Fiber::resume`.
template <typename Rep, typename Period>
void sleep_for(std::chrono::duration<Rep, Period> delay) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(delay).count();
  const int status = corobridge_rs_fiber_sleep(static_cast<std::int64_t>(ns));
  if (status != COROBRIDGE_FIBER_OK) {
    detail::throw_status(status, COROBRIDGE_FIBER_VALUE_UNIT, COROBRIDGE_FIBER_VALUE_UNIT,
                         "sleep_for");
  }
}

}  // namespace corobridge::fiber
