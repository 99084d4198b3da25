// cxx glue for the game: a world run by corobridge's engine (on a Rust executor), the
// seed-style baseline, and accessors the Rust tests and binary read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "corobridge-lab/game_behaviors.hpp"
#include "corobridge-lab/game_world.hpp"
#include "corobridge/game_timer.hpp"
#include "rust/cxx.h"
#include "seed_style_engine.hpp"

namespace corobridge::game::bridge {

struct Vec3;

/// A game world whose behaviours run on a GameEngine borrowing a Rust executor.
class EngineWorld {
 public:
  EngineWorld(corobridge_executor* executor, std::size_t entities, std::size_t particles);
  world& state() noexcept { return world_; }
  const world& state() const noexcept { return world_; }
  GameEngine& engine() noexcept { return engine_; }
  /// One frame: virtual clock, exactly the engine's frame time; real clock, what is due.
  std::uint64_t frame();

 private:
  world world_;
  GameEngine engine_;
  std::int64_t last_frame_ns_ = 0;
};

using SeedStyleWorld = seed_style::seed_style_world;

std::unique_ptr<EngineWorld> new_engine_world(std::size_t executor_handle, std::size_t entities,
                                              std::size_t particles);
std::uint32_t create_npc(EngineWorld& w, Vec3 position, float speed, rust::Slice<const Vec3> route);
std::uint64_t start_patrol(EngineWorld& w, std::uint32_t npc);
std::int64_t now_ns(const EngineWorld& w);
std::uint64_t start_attack_cooldown(EngineWorld& w, std::uint32_t npc, std::int64_t cooldown_ms);
std::uint64_t start_dialogue(EngineWorld& w, std::uint32_t npc, rust::Vec<rust::String> lines);
std::uint32_t spawn_particle(EngineWorld& w, Vec3 position, float lifetime_seconds);
std::size_t populate(EngineWorld& w, std::size_t skip, std::size_t npcs);
bool cancel_behavior(EngineWorld& w, std::uint64_t id);
void set_action(EngineWorld& w, rust::Str action, bool pressed);
std::uint64_t frame(EngineWorld& w);

Vec3 position(const EngineWorld& w, std::uint32_t npc);
std::uint32_t waypoints_reached(const EngineWorld& w, std::uint32_t npc);
void set_active(EngineWorld& w, std::uint32_t npc, bool active);
bool can_attack(const EngineWorld& w, std::uint32_t npc);
rust::String visible_text(EngineWorld& w, std::uint32_t npc);
bool is_displaying(EngineWorld& w, std::uint32_t npc);
float particle_alpha(const EngineWorld& w, std::uint32_t particle);
bool particle_alive(const EngineWorld& w, std::uint32_t particle);
std::size_t alive_particles(const EngineWorld& w);
std::uint64_t checksum(const EngineWorld& w, std::uint64_t from);

std::unique_ptr<SeedStyleWorld> new_seed_style_world(std::size_t npcs);
std::uint64_t seed_style_frame(SeedStyleWorld& w);
std::uint64_t seed_style_checksum(const SeedStyleWorld& w);
std::size_t seed_style_tasks(const SeedStyleWorld& w);

/// The C++ GameEngine API driven from C++ alone (its own virtual-clock executor), as a
/// trace of what happened when (lab/cpp/game_engine_trace.cpp).
rust::Vec<rust::String> game_engine_trace();

}  // namespace corobridge::game::bridge
