// The C++ frame at the base of every fiber (corobridge_cpp_fiber_run): what unwinds a
// fiber's stack stops here, or passes through to Rust, as detail/fiber_abi.h describes.
#include <exception>

#include "corobridge/detail/exception_info.hpp"
#include "corobridge/detail/fiber_abi.h"
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
