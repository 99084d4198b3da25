// A per-thread pool of coroutine frames (and of the boxes of Rust futures handed to C++).
//
// Creating and finishing a short coroutine costs little besides its frame's allocation, so
// frames up to 504 bytes are recycled through per-thread free lists, one per 16-byte size
// class. Blocks come from (and finally go back to) the global operator new/delete, so a
// frame may be freed on any thread: it joins that thread's lists. Each list keeps at most
// `frame_pool_depth` blocks; the rest go straight back to the heap, and a thread's lists
// are emptied when it exits. Setting COROBRIDGE_FRAME_POOL=off in the environment turns
// recycling off (every frame is then a plain heap block, which memcheck tracks one by one).
//
// A freed frame also leaves the executor's queues: while timers of bare coroutine handles
// (GameEngine::schedule_resume) are pending anywhere, freeing a pooled frame first cancels
// those registered for it (one relaxed load when there are none).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>

#include "corobridge/detail/abi.h"

namespace corobridge::detail {

/// Size-class width of the pool.
inline constexpr std::size_t frame_pool_granule = 16;
/// Number of size classes: blocks of 8, 24, 40, ..., 504 bytes. A class holds 8 bytes less
/// than a multiple of 16 because that is what a heap chunk of that multiple holds (glibc
/// keeps an 8-byte header in each 16-byte aligned chunk): rounding a frame up to its class
/// costs no memory over allocating its exact size.
inline constexpr std::size_t frame_pool_classes = 32;
/// Blocks a thread keeps per size class.
inline constexpr std::uint32_t frame_pool_depth = 64;

struct frame_pool_block {
  frame_pool_block* next;
};

/// One thread's free lists. Zero-initialised (constinit), so it is usable at any time,
/// including from other thread-local destructors; `limit` stays 0 until the thread's first
/// free decides (from the environment) whether this thread recycles.
struct frame_pool_lists {
  frame_pool_block* heads[frame_pool_classes];
  std::uint32_t counts[frame_pool_classes];
  std::uint32_t limit;
  bool configured;
};

inline constinit thread_local frame_pool_lists frame_pool{};

/// The slow path of a free: configures this thread's pool on first use, else releases
/// the block to the heap (cpp/frame_pool.cpp).
void frame_pool_free_slow(void* block, std::size_t size) noexcept;

/// The size class of `size` bytes (may be past the last class).
constexpr std::size_t frame_pool_class(std::size_t size) noexcept {
  return (size + 7) / frame_pool_granule;
}

/// The bytes a block of `size_class` holds.
constexpr std::size_t frame_pool_class_bytes(std::size_t size_class) noexcept {
  return size_class * frame_pool_granule + 8;
}

/// A recycled block of `size_class`, or nullptr if this thread has none.
inline void* frame_pool_pop(std::size_t size_class) noexcept {
  frame_pool_lists& pool = frame_pool;
  frame_pool_block* block = pool.heads[size_class];
  if (block != nullptr) {
    pool.heads[size_class] = block->next;
    --pool.counts[size_class];
  }
  return block;
}

/// Allocates a frame of `size` bytes (throws std::bad_alloc like operator new).
inline void* frame_allocate(std::size_t size) {
  const std::size_t size_class = frame_pool_class(size);
  if (size_class >= frame_pool_classes) return ::operator new(size);
  if (void* block = frame_pool_pop(size_class)) return block;
  return ::operator new(frame_pool_class_bytes(size_class));
}

/// Allocates like frame_allocate, but returns nullptr instead of throwing.
inline void* frame_allocate_nothrow(std::size_t size) noexcept {
  const std::size_t size_class = frame_pool_class(size);
  if (size_class >= frame_pool_classes) return ::operator new(size, std::nothrow);
  if (void* block = frame_pool_pop(size_class)) return block;
  return ::operator new(frame_pool_class_bytes(size_class), std::nothrow);
}

/// Frees a block from frame_allocate of the same `size`, on any thread.
inline void frame_deallocate(void* block, std::size_t size) noexcept {
  const std::size_t size_class = frame_pool_class(size);
  if (size_class < frame_pool_classes) {
    frame_pool_lists& pool = frame_pool;
    if (pool.counts[size_class] < pool.limit) {
      auto* node = static_cast<frame_pool_block*>(block);
      node->next = pool.heads[size_class];
      pool.heads[size_class] = node;
      ++pool.counts[size_class];
      return;
    }
  }
  frame_pool_free_slow(block, size);
}

/// Timers of bare coroutine handles pending process-wide (set by the executor through
/// corobridge_cpp_raw_resume_timers_set; cpp/frame_pool.cpp).
extern std::atomic<std::size_t> raw_resume_timers;

/// Gives a promise type pooled frames: inherit from it. Freeing such a frame cancels the
/// schedule_resume timers still registered for it, so that nothing resumes it afterwards.
/// (In GCC and clang a coroutine handle's address() is its frame allocation's start: the
/// pointer operator new returned, which is what the timers are indexed by.)
struct pooled_frame {
  static void* operator new(std::size_t size) { return frame_allocate(size); }
  static void operator delete(void* frame, std::size_t size) noexcept {
    if (raw_resume_timers.load(std::memory_order_relaxed) != 0) [[unlikely]] {
      corobridge_rs_frame_freed(frame);
    }
    frame_deallocate(frame, size);
  }
};

}  // namespace corobridge::detail
