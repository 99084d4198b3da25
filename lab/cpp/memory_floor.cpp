// The memory-floor probe (see memory_floor.hpp).
#include "memory_floor.hpp"

#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "corobridge-lab/game_behaviors.hpp"
#include "corobridge-lab/game_world.hpp"
#include "corobridge/detail/frame_pool.hpp"

namespace corobridge::lab {

namespace {

/// Sums what the passes read, so that no pass can be optimised away.
volatile std::uint64_t sink;

constexpr std::uintptr_t cache_line = 64;

/// Frees the blocks of a probe however it ends.
struct blocks {
  std::vector<std::byte*> items;
  ~blocks() {
    for (std::byte* block : items) ::operator delete(block);
  }
};

/// Reads and writes one word in every cache line of [begin, begin + bytes).
inline std::uint64_t touch(std::byte* begin, std::size_t bytes) noexcept {
  std::uint64_t sum = 0;
  const auto first = reinterpret_cast<std::uintptr_t>(begin);
  const std::uintptr_t end = first + bytes;
  for (std::uintptr_t line = first & ~(cache_line - 1); line < end; line += cache_line) {
    std::byte* word = begin + ((line < first ? first : line) - first);
    std::uint64_t value;
    std::memcpy(&value, word, sizeof value);
    sum += value;
    ++value;
    std::memcpy(word, &value, sizeof value);
  }
  return sum;
}

}  // namespace

std::size_t patrol_frame_bytes() {
  using namespace corobridge::detail;
  // A lazy task: creating it allocates its frame, destroying it frees the frame into
  // this thread's pool; the body (which would dereference the world) never runs. The
  // class whose free list shrinks by one when the next is created is the frame's.
  auto make = [] { return game::npc_patrol_behavior(nullptr, 0); };
  { auto configure = make(); }  // the first free configures this thread's pool
  // Pool at least one block for the measurement, even with COROBRIDGE_FRAME_POOL=off.
  const std::uint32_t saved_limit = frame_pool.limit;
  if (frame_pool.limit == 0) frame_pool.limit = 1;
  { auto pooled = make(); }
  std::uint32_t before[frame_pool_classes];
  std::memcpy(before, frame_pool.counts, sizeof before);
  std::size_t bytes = 0;
  std::size_t found = frame_pool_classes;
  {
    auto task = make();
    for (std::size_t size_class = 0; size_class < frame_pool_classes; ++size_class) {
      if (frame_pool.counts[size_class] + 1 == before[size_class]) {
        bytes = frame_pool_class_bytes(size_class);
        found = size_class;
        break;
      }
    }
  }
  frame_pool.limit = saved_limit;
  // With pooling off, hand the block kept for the measurement back to the heap.
  if (saved_limit == 0 && found < frame_pool_classes) {
    if (void* block = frame_pool_pop(found)) ::operator delete(block);
  }
  return bytes;
}

std::size_t entity_record_bytes() { return sizeof(game::entity_record); }

rust::Vec<double> memory_floor_pass_ms(std::size_t objects, std::size_t object_bytes,
                                       std::size_t passes) {
  blocks frames;
  frames.items.reserve(objects);
  for (std::size_t i = 0; i < objects; ++i) {
    auto* block = static_cast<std::byte*>(::operator new(object_bytes));
    std::memset(block, 0, object_bytes);
    frames.items.push_back(block);
  }
  std::vector<game::entity_record> records(objects);
  rust::Vec<double> times;
  std::uint64_t sum = 0;
  for (std::size_t pass = 0; pass < passes; ++pass) {
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < objects; ++i) {
      sum += touch(frames.items[i], object_bytes);
      sum += touch(reinterpret_cast<std::byte*>(&records[i]), sizeof records[i]);
    }
    const std::chrono::duration<double, std::milli> took =
        std::chrono::steady_clock::now() - start;
    times.push_back(took.count());
  }
  sink = sum;
  return times;
}

}  // namespace corobridge::lab
