// The seed's game behaviours (npc_patrol_behavior, attack_cooldown, dialogue_sequence,
// particle_lifetime) on corobridge's GameTimer.
#include "corobridge-lab/game_behaviors.hpp"

#include <utility>

namespace corobridge::game {

using namespace std::chrono_literals;

task<void> npc_patrol_behavior(world* w, entity_id id) {
  return patrol_route<task<void>, GameTimer>(w, id);
}

task<void> attack_cooldown(world* w, entity_id id, std::chrono::milliseconds cooldown) {
  auto& combat = w->combat(id);
  combat.can_attack = false;
  co_await GameTimer::wait_for(cooldown);
  combat.can_attack = true;
}

task<void> dialogue_sequence(world* w, entity_id npc, std::vector<std::string> lines) {
  auto& dialogue = w->dialogue(npc);
  for (const std::string& line : lines) {
    dialogue.current_text = line;
    dialogue.is_displaying = true;
    // Typing animation: one more character every 50 ms.
    for (std::size_t i = 0; i <= line.size(); ++i) {
      dialogue.visible_text = line.substr(0, i);
      co_await GameTimer::wait_for(50ms);
    }
    // Wait for the player (Enter or click).
    while (!w->is_action_pressed("continue")) {
      co_await GameTimer::wait_for(16ms);
    }
    co_await GameTimer::wait_for(500ms);
  }
  dialogue.is_displaying = false;
}

task<void> particle_lifetime(world* w, particle_id id, float lifetime_seconds) {
  auto& p = w->particle_at(id);
  float elapsed = 0.0f;
  while (elapsed < lifetime_seconds) {
    p.alpha = 1.0f - (elapsed / lifetime_seconds);  // fade out
    co_await GameTimer::wait_for(16ms);
    elapsed += w->delta_time();
  }
  w->destroy_particle(id);
}

}  // namespace corobridge::game
