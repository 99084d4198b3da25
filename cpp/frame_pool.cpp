// The cold half of the frame pool (include/corobridge/detail/frame_pool.hpp): per-thread
// configuration, the thread-exit drain, and the C ABI used by Rust.
#include "corobridge/detail/frame_pool.hpp"

#include <cstdlib>
#include <cstring>

#include "corobridge/detail/abi.h"

namespace corobridge::detail {

constinit std::atomic<std::size_t> raw_resume_timers{0};

namespace {

/// Returns a block of `size` bytes to the global heap: the sized operator delete where the
/// compiler enables it (g++ by default; clang only from version 19 or with
/// -fsized-deallocation), the plain one otherwise.
inline void heap_free(void* block, [[maybe_unused]] std::size_t size) noexcept {
#if defined(__cpp_sized_deallocation)
  ::operator delete(block, size);
#else
  ::operator delete(block);
#endif
}

/// Empties the calling thread's lists when the thread exits; later frees on the thread
/// go straight to the heap.
struct frame_pool_reaper {
  frame_pool_reaper() = default;
  frame_pool_reaper(const frame_pool_reaper&) = delete;
  frame_pool_reaper& operator=(const frame_pool_reaper&) = delete;
  ~frame_pool_reaper() {
    frame_pool_lists& pool = frame_pool;
    pool.limit = 0;
    for (std::size_t c = 0; c < frame_pool_classes; ++c) {
      while (frame_pool_block* block = pool.heads[c]) {
        pool.heads[c] = block->next;
        heap_free(block, frame_pool_class_bytes(c));
      }
      pool.counts[c] = 0;
    }
  }
};

bool recycling_enabled() {
  const char* setting = std::getenv("COROBRIDGE_FRAME_POOL");
  return setting == nullptr ||
         (std::strcmp(setting, "off") != 0 && std::strcmp(setting, "0") != 0);
}

}  // namespace

void frame_pool_free_slow(void* block, std::size_t size) noexcept {
  frame_pool_lists& pool = frame_pool;
  const std::size_t size_class = frame_pool_class(size);
  if (!pool.configured) {
    pool.configured = true;
    if (recycling_enabled()) {
      // Registers the thread-exit drain (constructed once per thread, here).
      thread_local frame_pool_reaper reaper;
      pool.limit = frame_pool_depth;
    }
    if (size_class < frame_pool_classes && pool.counts[size_class] < pool.limit) {
      frame_deallocate(block, size);
      return;
    }
  }
  if (size_class < frame_pool_classes) {
    heap_free(block, frame_pool_class_bytes(size_class));
  } else {
    heap_free(block, size);
  }
}

}  // namespace corobridge::detail

extern "C" void* corobridge_cpp_frame_alloc(size_t size) {
  return corobridge::detail::frame_allocate_nothrow(size);
}

extern "C" void corobridge_cpp_frame_free(void* block, size_t size) {
  corobridge::detail::frame_deallocate(block, size);
}

extern "C" void corobridge_cpp_raw_resume_timers_set(size_t count) {
  corobridge::detail::raw_resume_timers.store(count, std::memory_order_relaxed);
}
