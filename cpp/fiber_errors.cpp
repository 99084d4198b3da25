// The exceptions corobridge::fiber's calls throw for a non-OK status (fiber.hpp).
#include <stdexcept>
#include <string>

#include "corobridge/detail/fiber_value.hpp"
#include "corobridge/executor.hpp"
#include "corobridge/detail/fiber_abi.h"
#include "corobridge/fiber.hpp"
#include "corobridge/fiber_errors.hpp"

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
    default:
      throw std::logic_error(name + ": unexpected status " + std::to_string(status));
  }
}

}  // namespace corobridge::fiber::detail
