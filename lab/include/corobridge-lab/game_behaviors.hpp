// The seed's game behaviours as C++20 coroutines on corobridge::task and GameTimer.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "corobridge/game_timer.hpp"
#include "corobridge-lab/game_world.hpp"
#include "corobridge/task.hpp"

namespace corobridge::game {

/// The seed's NPC patrol, written once for any task type and timer (corobridge's engine
/// and the seed-style baseline run the same code). Walks the entity's route with
/// `move_speed * delta_time` per frame, waiting one frame (16 ms) between steps and
/// 2 s at each waypoint, while `ai.is_active`. The waits pass `transform` as a prefetch
/// hint (the entity's components; the seed-style timer ignores it).
template <typename Task, typename Timer>
Task patrol_route(world* w, entity_id id) {
  using namespace std::chrono_literals;
  transform_component* const transform = &w->transform(id);
  ai_component* const ai = &w->ai(id);
  const std::vector<vec3>& waypoints = w->route(ai->route);
  while (ai->is_active) {
    for (const vec3& waypoint : waypoints) {
      while (vec3::distance(transform->position, waypoint) > 0.1f) {
        transform->position =
            vec3::move_towards(transform->position, waypoint, ai->move_speed * w->delta_time());
        co_await Timer::wait_for(16ms, transform);
      }
      ++ai->waypoints_reached;
      co_await Timer::wait_for(2000ms, transform);
    }
  }
}

/// The seed's `npc_patrol_behavior` on corobridge's engine.
task<void> npc_patrol_behavior(world* w, entity_id id);

/// The seed's `attack_cooldown`: `can_attack` is false until `cooldown` has elapsed.
task<void> attack_cooldown(world* w, entity_id id, std::chrono::milliseconds cooldown);

/// The seed's `dialogue_sequence`, taking its lines by value (the seed's `const&`
/// parameter dangles once the caller's temporary vector dies): types one more character
/// every 50 ms, waits for the "continue" action, pauses 500 ms, next line.
task<void> dialogue_sequence(world* w, entity_id npc, std::vector<std::string> lines);

/// The seed's `particle_lifetime`: alpha fades from 1 to 0 over `lifetime_seconds`, then
/// the particle is destroyed.
task<void> particle_lifetime(world* w, particle_id id, float lifetime_seconds);

}  // namespace corobridge::game
