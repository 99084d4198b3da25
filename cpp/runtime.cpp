// The C++ half of the runtime ABI: resuming and destroying frames for the Rust executor.
#include <coroutine>
#include <cstdint>

#include "corobridge/detail/abi.h"
#include "corobridge/detail/exception_info.hpp"
#include "corobridge/detail/trampoline.hpp"
#include "corobridge/detail/exception_table.hpp"

namespace {
// Resumptions by a driver currently on this thread's stack. The outermost one starts a
// fresh symmetric-transfer budget; nested ones keep counting against the outer stack.
constinit thread_local unsigned resume_nesting = 0;
}  // namespace

extern "C" int corobridge_cpp_resume(void* frame, corobridge_error_sink* sink) {
  if (resume_nesting == 0) corobridge::detail::transfer_count = 0;
  ++resume_nesting;
  int status = 0;
  try {
    std::coroutine_handle<>::from_address(frame).resume();
  } catch (...) {
    // Only a foreign coroutine type whose promise rethrows gets here.
    corobridge::detail::describe_current_exception(sink);
    status = 1;
  }
  --resume_nesting;
  return status;
}

namespace {
// A corobridge promise keeps its exceptions: should one escape anyway, noexcept stops it
// here instead of unwinding into Rust.
void resume_corobridge_frame(void* frame) noexcept {
  if (resume_nesting == 0) corobridge::detail::transfer_count = 0;
  ++resume_nesting;
  std::coroutine_handle<>::from_address(frame).resume();
  --resume_nesting;
}
}  // namespace

extern "C" void corobridge_cpp_resume_task(void* frame) { resume_corobridge_frame(frame); }

extern "C" void corobridge_cpp_destroy(void* frame) {
  std::coroutine_handle<>::from_address(frame).destroy();
}

extern "C" void corobridge_cpp_task_error(std::uint64_t* state, corobridge_error_sink* sink) {
  corobridge::detail::describe_exception(corobridge::detail::exception_table::get(state), sink);
}
