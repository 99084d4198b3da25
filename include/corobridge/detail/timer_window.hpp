// The timer window: a relative timer registered by C++ without a call into Rust.
//
// corobridge's executor opens a window (see corobridge_timer_window in abi.h) onto the
// tail of the lane that a registration just went to. While it stays open, the next
// registrations of the same delay on this thread, the common case of many coroutines
// waiting the same frame time, append their frame to that lane here, inline. Anything
// else goes through corobridge_rs_timer_add_after, which registers and reopens the window.
#pragma once

#include <coroutine>
#include <cstdint>

#include "corobridge/detail/abi.h"

namespace corobridge::detail {

/// The window of the executor whose run loop runs on this thread, or null. Set only by
/// corobridge_cpp_timer_window_enter.
inline constinit thread_local corobridge_timer_window* current_timer_window = nullptr;

/// Registers `frame` to resume after `delay_ns` through this thread's timer window and
/// fills `id`, if the window serves that delay (and `hint`, if there is one); false
/// otherwise, having changed nothing.
inline bool timer_window_add(std::int64_t delay_ns, void* frame, const void* hint,
                             corobridge_timer_id& id) noexcept {
  corobridge_timer_window* window = current_timer_window;
  if (window == nullptr || window->delay_ns != delay_ns || window->next == window->end) {
    return false;
  }
  const auto address = reinterpret_cast<std::uintptr_t>(frame);
  if (hint != nullptr) {
    // A suspended frame's first word is its resume function: the same for every frame of
    // one coroutine function, which is what a hint is recorded for.
    const std::uintptr_t key = *static_cast<const std::uintptr_t*>(frame);
    const std::uintptr_t offset = reinterpret_cast<std::uintptr_t>(hint) - address;
    if (key != window->hint_key || offset != window->hint_offset) return false;
  }
  *window->next++ = address;
  id = window->id;
  ++window->id.position;
  return true;
}

}  // namespace corobridge::detail
