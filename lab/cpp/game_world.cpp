// The entity/component store behind the seed's game behaviours.
#include "corobridge-lab/game_world.hpp"

#include <bit>
#include <stdexcept>
#include <utility>

namespace corobridge::game {

world::world(std::size_t entity_capacity, std::size_t particle_capacity)
    : entity_capacity_(entity_capacity), particle_capacity_(particle_capacity) {
  entities_.reserve(entity_capacity);
  particles_.reserve(particle_capacity);
}

entity_id world::create_entity(vec3 position, float move_speed, route_id route) {
  if (entities_.size() >= entity_capacity_) {
    throw std::length_error("corobridge::game::world: entity capacity exhausted");
  }
  if (route >= routes_.size()) throw std::out_of_range("corobridge::game::world: no such route");
  entity_record record;
  record.transform.position = position;
  record.ai.move_speed = move_speed;
  record.ai.route = route;
  entities_.push_back(record);
  return static_cast<entity_id>(entities_.size() - 1);
}

route_id world::add_route(std::vector<vec3> waypoints) {
  if (waypoints.empty()) throw std::invalid_argument("corobridge::game::world: empty route");
  routes_.push_back(std::move(waypoints));
  return static_cast<route_id>(routes_.size() - 1);
}

particle_id world::spawn_particle(vec3 position) {
  if (particles_.size() >= particle_capacity_) {
    throw std::length_error("corobridge::game::world: particle capacity exhausted");
  }
  particles_.push_back(particle{position, 1.0f, true});
  ++alive_particles_;
  return static_cast<particle_id>(particles_.size() - 1);
}

void world::destroy_particle(particle_id id) {
  particle& p = particles_.at(id);
  if (p.alive) {
    p.alive = false;
    --alive_particles_;
  }
}

bool world::is_action_pressed(std::string_view action) const {
  return pressed_.contains(std::string(action));
}

void world::set_action(std::string_view action, bool pressed) {
  if (pressed) {
    pressed_.insert(std::string(action));
  } else {
    pressed_.erase(std::string(action));
  }
}

std::uint64_t world::checksum(std::uint64_t from) const noexcept {
  std::uint64_t h = from;  // FNV-1a over the raw state
  auto mix = [&h](std::uint64_t v) {
    h ^= v;
    h *= 1099511628211ull;
  };
  for (const entity_record& e : entities_) {
    const vec3 p = e.transform.position;
    mix(std::bit_cast<std::uint32_t>(p.x));
    mix(std::bit_cast<std::uint32_t>(p.y));
    mix(std::bit_cast<std::uint32_t>(p.z));
    mix(e.ai.waypoints_reached);
  }
  return h;
}

entity_id populate_patrols(world& w, std::size_t count, std::size_t skip) {
  // A few dozen square routes of different sizes; NPCs start on a grid and walk to
  // the corners of their route at 1-3 units per second.
  constexpr std::size_t route_count = 64;
  std::vector<route_id> routes;
  routes.reserve(route_count);
  for (std::size_t r = 0; r < route_count; ++r) {
    const float side = 1.0f + static_cast<float>(r % 8);
    const float ox = static_cast<float>(r % 16) * 10.0f;
    const float oz = static_cast<float>(r / 16) * 10.0f;
    routes.push_back(w.add_route({{ox + side, 0, oz},
                                  {ox + side, 0, oz + side},
                                  {ox, 0, oz + side},
                                  {ox, 0, oz}}));
  }
  entity_id first = 0;
  std::uint32_t state = 12345;
  const auto next = [&state] { state = state * 1664525u + 1013904223u; };  // an LCG
  for (std::size_t i = 0; i < skip; ++i) next();
  for (std::size_t i = 0; i < count; ++i) {
    next();
    const std::size_t r = (state >> 8) % route_count;
    const vec3 start = w.route(routes[r]).back();
    const float speed = 1.0f + static_cast<float>((state >> 20) % 3);
    const entity_id id = w.create_entity(start, speed, routes[r]);
    if (i == 0) first = id;
  }
  return first;
}

}  // namespace corobridge::game
