// The C ABI side of the timer window (include/corobridge/detail/timer_window.hpp).
#include "corobridge/detail/timer_window.hpp"

#include <utility>

extern "C" corobridge_timer_window* corobridge_cpp_timer_window_enter(
    corobridge_timer_window* window) {
  return std::exchange(corobridge::detail::current_timer_window, window);
}
