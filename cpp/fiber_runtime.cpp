// The C++ half of corobridge's fibers: the base frame of every fiber, the per-thread C++
// exception state that fiber switches save and restore, and the errors of fiber calls.
#include <cxxabi.h>

#include <exception>
#include <string>

#include "corobridge/detail/exception_info.hpp"
#include "corobridge/detail/fiber_value.hpp"
#include "corobridge/executor.hpp"
#include "corobridge/fiber.h"
#include "corobridge/fiber.hpp"
#include "corobridge/fiber_errors.hpp"

// Not noexcept: a Rust panic (a foreign exception to C++) passes through on its way to
// the resumer, and Rust calls this through "C-unwind".
extern "C" int corobridge_cpp_fiber_run(corobridge_fiber_body_fn body, void* context,
                                        corobridge_error_sink* sink) {
  try {
    body(context);
    return COROBRIDGE_FIBER_OK;
  } catch (const corobridge::fiber::forced_unwind& unwind) {
    unwind.delivered();
    return COROBRIDGE_FIBER_UNWIND;
  } catch (...) {
    // std::current_exception() is empty for a foreign exception: a Rust panic, which
    // belongs to Rust's side of the base (it becomes FiberError::Panicked there).
    if (!std::current_exception()) throw;
    corobridge::detail::describe_current_exception(sink);
    return COROBRIDGE_FIBER_CPP_EXCEPTION;
  }
}

// libstdc++ and libc++ both begin their per-thread __cxa_eh_globals with these two fields
// (caughtExceptions, uncaughtExceptions); Boost.Context swaps the same state per fiber.
extern "C" corobridge_eh_globals* corobridge_cpp_eh_globals(void) {
  return reinterpret_cast<corobridge_eh_globals*>(abi::__cxa_get_globals());
}

namespace corobridge::fiber::detail {

namespace {

std::string mismatch_message(const char* operation, const char* what, std::uint32_t cpp_kind,
                             std::uint32_t fiber_kind) {
  return std::string("corobridge::fiber::") + operation + ": the " + what + " type " +
         kind_name(cpp_kind) + " is not this fiber's, which is " + kind_name(fiber_kind);
}

}  // namespace

void throw_status(int status, std::uint32_t yielded_kind, std::uint32_t resume_kind,
                  const char* operation) {
  const std::string name = std::string("corobridge::fiber::") + operation;
  corobridge_fiber_kinds kinds{};
  switch (status) {
    case COROBRIDGE_FIBER_UNWIND:
      throw forced_unwind(corobridge_rs_fiber_current());
    case COROBRIDGE_FIBER_NOT_IN_FIBER:
      throw not_in_fiber(name + " called outside a fiber: only code running inside a "
                                "corobridge::Fiber (on its stack) can suspend it");
    case COROBRIDGE_FIBER_YIELD_TYPE:
      corobridge_rs_fiber_kinds(&kinds);
      throw type_mismatch(mismatch_message(operation, "yielded", yielded_kind, kinds.yielded));
    case COROBRIDGE_FIBER_RESUME_TYPE:
      corobridge_rs_fiber_kinds(&kinds);
      throw type_mismatch(mismatch_message(operation, "resume", resume_kind, kinds.input));
    case COROBRIDGE_FIBER_NOT_POLLED:
      throw not_polled(name + ": waiting inside a fiber needs the fiber to be polled as a "
                              "future by an executor (spawn it or .await it); this one is "
                              "driven by Fiber::resume");
    case COROBRIDGE_FIBER_NO_EXECUTOR:
      throw corobridge::no_executor(name + " needs a corobridge executor polling the fiber");
    case COROBRIDGE_FIBER_EXECUTOR_GONE:
      throw executor_gone(name + ": the executor driving the awaited task was dropped");
    case COROBRIDGE_FIBER_READ_FAILED:
      throw std::bad_alloc();
    default:
      throw std::logic_error(name + ": unexpected status " + std::to_string(status));
  }
}

}  // namespace corobridge::fiber::detail
