// Where the C++ runtime keeps this thread's exception state, which Rust saves and restores
// on every fiber switch (rust/fiber/exception_state.rs).
#include <cxxabi.h>

#include "corobridge/detail/fiber_abi.h"

// libstdc++ and libc++ both begin their per-thread __cxa_eh_globals with these two fields
// (caughtExceptions, uncaughtExceptions); Boost.Context swaps the same state per fiber.
extern "C" corobridge_eh_globals* corobridge_cpp_eh_globals(void) {
  return reinterpret_cast<corobridge_eh_globals*>(abi::__cxa_get_globals());
}
