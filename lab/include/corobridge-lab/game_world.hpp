// A small entity/component store for the seed's game behaviours.
//
// Components live in storage whose addresses never move (reserved up front, or
// node-based), so a behaviour may keep `auto& transform = w->transform(id)` across
// suspensions as the seed does.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace corobridge::game {

using entity_id = std::uint32_t;
using particle_id = std::uint32_t;
using route_id = std::uint32_t;

/// A 3-component vector with the two operations the behaviours need.
struct vec3 {
  float x = 0;
  float y = 0;
  float z = 0;

  friend vec3 operator-(vec3 a, vec3 b) noexcept { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
  friend vec3 operator+(vec3 a, vec3 b) noexcept { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
  friend vec3 operator*(vec3 a, float s) noexcept { return {a.x * s, a.y * s, a.z * s}; }
  [[nodiscard]] float length() const noexcept { return std::sqrt(x * x + y * y + z * z); }

  static float distance(vec3 a, vec3 b) noexcept { return (a - b).length(); }
  /// Moves from `from` towards `to` by at most `max_step` (stops exactly at `to`).
  static vec3 move_towards(vec3 from, vec3 to, float max_step) noexcept {
    const vec3 delta = to - from;
    const float len = delta.length();
    if (len <= max_step || len == 0.0f) return to;
    return from + delta * (max_step / len);
  }
};

struct transform_component {
  vec3 position;
};

struct ai_component {
  float move_speed = 1.0f;  // units per second
  route_id route = 0;
  std::uint32_t waypoints_reached = 0;
  bool is_active = true;
};

struct combat_component {
  bool can_attack = true;
};

/// One entity's components, together in one 32-byte block (half a cache line): a
/// behaviour touching its transform and AI state costs one memory access, not two.
struct alignas(32) entity_record {
  transform_component transform;
  ai_component ai;
  combat_component combat;
};

struct dialogue_component {
  std::string current_text;
  std::string visible_text;
  bool is_displaying = false;
};

struct particle {
  vec3 position;
  float alpha = 1.0f;
  bool alive = false;
};

/// The world: entities with transform/AI/combat components, dialogue for some of them,
/// particles, patrol routes, input actions and the frame clock (set by whoever runs the
/// frames). Capacities are fixed at construction so component references stay valid.
class world {
 public:
  world(std::size_t entity_capacity, std::size_t particle_capacity);

  /// Creates an entity with transform, AI and combat components. Throws std::length_error
  /// when the capacity is exhausted.
  entity_id create_entity(vec3 position, float move_speed, route_id route);
  /// Adds a patrol route (a closed loop of waypoints); returns its id.
  route_id add_route(std::vector<vec3> waypoints);

  [[nodiscard]] std::size_t entity_count() const noexcept { return entities_.size(); }
  transform_component& transform(entity_id id) { return entities_.at(id).transform; }
  const transform_component& transform(entity_id id) const { return entities_.at(id).transform; }
  ai_component& ai(entity_id id) { return entities_.at(id).ai; }
  const ai_component& ai(entity_id id) const { return entities_.at(id).ai; }
  combat_component& combat(entity_id id) { return entities_.at(id).combat; }
  const combat_component& combat(entity_id id) const { return entities_.at(id).combat; }
  /// The dialogue component of an entity (created on first use).
  dialogue_component& dialogue(entity_id id) { return dialogues_[id]; }
  [[nodiscard]] const std::vector<vec3>& route(route_id id) const { return routes_.at(id); }

  /// Spawns a live particle; throws std::length_error when the capacity is exhausted.
  particle_id spawn_particle(vec3 position);
  particle& particle_at(particle_id id) { return particles_.at(id); }
  const particle& particle_at(particle_id id) const { return particles_.at(id); }
  void destroy_particle(particle_id id);
  [[nodiscard]] std::size_t alive_particles() const noexcept { return alive_particles_; }

  /// Input actions (the seed's Input::is_action_pressed).
  [[nodiscard]] bool is_action_pressed(std::string_view action) const;
  void set_action(std::string_view action, bool pressed);

  /// The frame clock: world time and the last frame's delta (the seed's Time::delta_time).
  void set_time(std::int64_t now_ns, float delta_seconds) noexcept {
    now_ns_ = now_ns;
    delta_seconds_ = delta_seconds;
  }
  [[nodiscard]] std::int64_t now_ns() const noexcept { return now_ns_; }
  [[nodiscard]] float delta_time() const noexcept { return delta_seconds_; }

  /// The digest `checksum` starts from.
  static constexpr std::uint64_t checksum_basis = 1469598103934665603ull;
  /// A deterministic digest of all positions and progress, to compare two runs. Continuing
  /// from `from` (another world's digest) digests worlds split into shards: the shards'
  /// digests chained in order equal the digest of one world holding them all.
  [[nodiscard]] std::uint64_t checksum(std::uint64_t from = checksum_basis) const noexcept;

 private:
  std::vector<entity_record> entities_;
  std::unordered_map<entity_id, dialogue_component> dialogues_;
  std::vector<std::vector<vec3>> routes_;
  std::vector<particle> particles_;
  std::size_t alive_particles_ = 0;
  std::unordered_set<std::string> pressed_;
  std::int64_t now_ns_ = 0;
  float delta_seconds_ = 0.016f;
  std::size_t entity_capacity_;
  std::size_t particle_capacity_;
};

/// Fills `w` with `count` patrolling NPCs on a deterministic set of square routes: NPCs
/// `skip` to `skip + count - 1` of one deterministic population (so shards of a
/// population, each in its own world, hold the same NPCs as one world would). Returns the
/// id of the first NPC created.
entity_id populate_patrols(world& w, std::size_t count, std::size_t skip = 0);

}  // namespace corobridge::game
