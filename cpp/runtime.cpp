// The C++ half of the runtime ABI: resuming and destroying frames for the Rust executor.
#include <coroutine>
#include <cstdint>

#include "corobridge/detail/abi.h"
#include "corobridge/detail/exception_info.hpp"
#include "corobridge/detail/trampoline.hpp"
#include "corobridge/detail/exception_table.hpp"

// A driver's resumption counts the symmetric transfers it makes against the budget of the
// stack it runs on: nothing is reset on entry (an outermost resumption finds the count its
// predecessors restored, 0; a nested one keeps counting against the outer stack), and the
// count on entry is restored on exit, when the frames those transfers stacked are gone.

extern "C" int corobridge_cpp_resume(void* frame, corobridge_error_sink* sink) {
  const unsigned transfers = corobridge::detail::transfer_count;
  int status = 0;
  try {
    std::coroutine_handle<>::from_address(frame).resume();
  } catch (...) {
    // Only a foreign coroutine type whose promise rethrows gets here.
    corobridge::detail::describe_current_exception(sink);
    status = 1;
  }
  corobridge::detail::transfer_count = transfers;
  return status;
}

namespace {
// A corobridge promise keeps its exceptions: should one escape anyway, noexcept stops it
// here instead of unwinding into Rust.
void resume_corobridge_frame(void* frame) noexcept {
  const unsigned transfers = corobridge::detail::transfer_count;
  std::coroutine_handle<>::from_address(frame).resume();
  corobridge::detail::transfer_count = transfers;
}
}  // namespace

extern "C" void corobridge_cpp_resume_task(void* frame) { resume_corobridge_frame(frame); }

extern "C" void corobridge_cpp_destroy(void* frame) {
  std::coroutine_handle<>::from_address(frame).destroy();
}

extern "C" void corobridge_cpp_task_error(std::uint64_t* state, corobridge_error_sink* sink) {
  corobridge::detail::describe_exception(corobridge::detail::exception_table::get(state), sink);
}
