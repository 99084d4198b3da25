// cxx glue for the game (see game_bridge.hpp).
#include "game_bridge.hpp"

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "corobridge-lab/src/game/world.rs.h"

namespace corobridge::game::bridge {
namespace {
vec3 to_vec3(const Vec3& v) { return vec3{v.x, v.y, v.z}; }
Vec3 from_vec3(vec3 v) { return Vec3{v.x, v.y, v.z}; }
}  // namespace

EngineWorld::EngineWorld(corobridge_executor* executor, std::size_t entities,
                         std::size_t particles)
    : world_(entities, particles), engine_(executor_ref{executor}) {
  last_frame_ns_ = engine_.now().time_since_epoch().count();
  world_.set_time(last_frame_ns_, static_cast<float>(engine_.frame_time().count()) / 1e9f);
}

std::uint64_t EngineWorld::frame() {
  const std::int64_t frame_ns = engine_.frame_time().count();
  if (engine_.executor().is_virtual()) {
    world_.set_time(last_frame_ns_ + frame_ns, static_cast<float>(frame_ns) / 1e9f);
    last_frame_ns_ += frame_ns;
    return engine_.update();
  }
  const std::int64_t now = engine_.now().time_since_epoch().count();
  world_.set_time(now, static_cast<float>(now - last_frame_ns_) / 1e9f);
  last_frame_ns_ = now;
  return engine_.update();
}

std::unique_ptr<EngineWorld> new_engine_world(std::size_t executor_handle, std::size_t entities,
                                              std::size_t particles) {
  auto* executor = reinterpret_cast<corobridge_executor*>(executor_handle);
  if (executor == nullptr) throw std::invalid_argument("null executor handle");
  return std::make_unique<EngineWorld>(executor, entities, particles);
}

std::uint32_t create_npc(EngineWorld& w, Vec3 position, float speed,
                         rust::Slice<const Vec3> route) {
  std::vector<vec3> waypoints;
  waypoints.reserve(route.size());
  for (const Vec3& p : route) waypoints.push_back(to_vec3(p));
  const route_id r = w.state().add_route(std::move(waypoints));
  return w.state().create_entity(to_vec3(position), speed, r);
}

std::uint64_t start_patrol(EngineWorld& w, std::uint32_t npc) {
  return w.engine().spawn_task(npc_patrol_behavior(&w.state(), npc)).value;
}

std::uint64_t start_attack_cooldown(EngineWorld& w, std::uint32_t npc, std::int64_t cooldown_ms) {
  return w.engine()
      .spawn_task(attack_cooldown(&w.state(), npc, std::chrono::milliseconds(cooldown_ms)))
      .value;
}

std::uint64_t start_dialogue(EngineWorld& w, std::uint32_t npc, rust::Vec<rust::String> lines) {
  std::vector<std::string> owned;
  owned.reserve(lines.size());
  for (const rust::String& line : lines) owned.emplace_back(line);
  return w.engine().spawn_task(dialogue_sequence(&w.state(), npc, std::move(owned))).value;
}

std::uint32_t spawn_particle(EngineWorld& w, Vec3 position, float lifetime_seconds) {
  const particle_id id = w.state().spawn_particle(to_vec3(position));
  w.engine().spawn_task(particle_lifetime(&w.state(), id, lifetime_seconds));
  return id;
}

std::size_t populate(EngineWorld& w, std::size_t skip, std::size_t npcs) {
  const entity_id first = populate_patrols(w.state(), npcs, skip);
  for (std::size_t i = 0; i < npcs; ++i) {
    w.engine().spawn_task(npc_patrol_behavior(&w.state(), static_cast<entity_id>(first + i)));
  }
  return npcs;
}

bool cancel_behavior(EngineWorld& w, std::uint64_t id) {
  return w.engine().cancel_task(spawn_id{id});
}

void set_action(EngineWorld& w, rust::Str action, bool pressed) {
  w.state().set_action(std::string_view(action.data(), action.size()), pressed);
}

std::uint64_t frame(EngineWorld& w) { return w.frame(); }

Vec3 position(const EngineWorld& w, std::uint32_t npc) {
  return from_vec3(w.state().transform(npc).position);
}
std::uint32_t waypoints_reached(const EngineWorld& w, std::uint32_t npc) {
  return w.state().ai(npc).waypoints_reached;
}
std::int64_t now_ns(const EngineWorld& w) { return w.state().now_ns(); }
void set_active(EngineWorld& w, std::uint32_t npc, bool active) {
  w.state().ai(npc).is_active = active;
}
bool can_attack(const EngineWorld& w, std::uint32_t npc) {
  return w.state().combat(npc).can_attack;
}
rust::String visible_text(EngineWorld& w, std::uint32_t npc) {
  return rust::String::lossy(w.state().dialogue(npc).visible_text);
}
bool is_displaying(EngineWorld& w, std::uint32_t npc) {
  return w.state().dialogue(npc).is_displaying;
}
float particle_alpha(const EngineWorld& w, std::uint32_t particle) {
  return w.state().particle_at(particle).alpha;
}
bool particle_alive(const EngineWorld& w, std::uint32_t particle) {
  return w.state().particle_at(particle).alive;
}
std::size_t alive_particles(const EngineWorld& w) { return w.state().alive_particles(); }
std::uint64_t checksum(const EngineWorld& w, std::uint64_t from) {
  return w.state().checksum(from);
}

std::unique_ptr<SeedStyleWorld> new_seed_style_world(std::size_t npcs) {
  return std::make_unique<SeedStyleWorld>(npcs);
}
std::uint64_t seed_style_frame(SeedStyleWorld& w) { return w.frame(); }
std::uint64_t seed_style_checksum(const SeedStyleWorld& w) { return w.state().checksum(); }
std::size_t seed_style_tasks(const SeedStyleWorld& w) { return w.task_count(); }

}  // namespace corobridge::game::bridge
