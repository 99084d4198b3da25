// The C++ half of the runtime ABI: resuming and destroying frames for the Rust executor.
#include <coroutine>
#include <cstdint>
#include <exception>
#include <utility>

#include "corobridge/detail/abi.h"
#include "corobridge/detail/exception_info.hpp"
#include "corobridge/detail/trampoline.hpp"
#include "corobridge/detail/exception_table.hpp"

// A driver's resumption counts the symmetric transfers it makes against the budget of the
// stack it runs on: nothing is reset on entry (an outermost resumption finds the count its
// predecessors restored, 0; a nested one keeps counting against the outer stack), and the
// count on entry is restored on exit, when the frames those transfers stacked are gone.

namespace {
// The exception a foreign coroutine let escape from its resumption, until the resumer asks
// for its description (off the hot path: a resumption passes nothing but the frame).
thread_local std::exception_ptr escaped_exception;

// Keeps what escaped and gives the thread back the transfer count it had on entry.
[[gnu::cold, gnu::noinline]] int keep_escaped(unsigned transfers) noexcept {
  escaped_exception = std::current_exception();
  corobridge::detail::transfer_count = transfers;
  return 1;
}

}  // namespace

extern "C" int corobridge_cpp_resume(void* frame) {
  const unsigned transfers = corobridge::detail::transfer_count;
  try {
    std::coroutine_handle<>::from_address(frame).resume();
  } catch (...) {
    // Only a foreign coroutine type whose promise rethrows gets here.
    return keep_escaped(transfers);
  }
  corobridge::detail::transfer_count = transfers;
  return 0;
}

extern "C" void corobridge_cpp_take_escaped(corobridge_error_sink* sink) {
  const std::exception_ptr error = std::exchange(escaped_exception, nullptr);
  corobridge::detail::describe_exception(error, sink);
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
