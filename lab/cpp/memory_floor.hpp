// The memory floor of a game frame: what it costs only to touch the bytes a frame touches
// per NPC (its coroutine frame's cache lines and its entity record), and the size of the
// patrol coroutine's frame that this is measured with.
#pragma once

#include <cstddef>

#include "rust/cxx.h"

namespace corobridge::lab {

/// Bytes of the pooled block that holds one patrol coroutine's frame (its size class), or
/// 0 if it cannot be told (frame pooling off, or a frame larger than the pooled classes).
std::size_t patrol_frame_bytes();

/// Bytes of one NPC's entity record in the game world.
std::size_t entity_record_bytes();

/// Allocates `objects` separately allocated blocks of `object_bytes` and as many entity
/// records in one array, then times `passes` passes that each read and write one word of
/// every cache line of every block and of its record, in allocation order. Milliseconds
/// per pass.
rust::Vec<double> memory_floor_pass_ms(std::size_t objects, std::size_t object_bytes,
                                       std::size_t passes);

}  // namespace corobridge::lab
