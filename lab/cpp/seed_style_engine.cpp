// The seed-style baseline engine (see seed_style_engine.hpp).
#include "seed_style_engine.hpp"

#include <algorithm>
#include <stdexcept>

#include "corobridge-lab/game_behaviors.hpp"

namespace corobridge::seed_style {
namespace {
constinit thread_local GameEngine* current_engine = nullptr;
constexpr std::int64_t frame_ns = 16'000'000;
}  // namespace

GameEngine& GameEngine::instance() {
  if (current_engine == nullptr) throw std::logic_error("seed_style: no current GameEngine");
  return *current_engine;
}

void GameEngine::make_current() noexcept { current_engine = this; }

void GameEngine::update(std::int64_t dt_ns) {
  now_ += dt_ns;
  while (!scheduled_resumes_.empty() && scheduled_resumes_.top().resume_time <= now_) {
    const std::coroutine_handle<> handle = scheduled_resumes_.top().handle;
    scheduled_resumes_.pop();
    handle.resume();
    ++resumes_;
  }
  active_tasks_.erase(std::remove_if(active_tasks_.begin(), active_tasks_.end(),
                                     [](const Task& task) { return task.coro.done(); }),
                      active_tasks_.end());
}

seed_style_world::seed_style_world(std::size_t npcs) : world_(npcs, 0) {
  engine_.make_current();
  const game::entity_id first = game::populate_patrols(world_, npcs);
  for (std::size_t i = 0; i < npcs; ++i) {
    engine_.spawn_task(game::patrol_route<Task, GameTimer>(
        &world_, static_cast<game::entity_id>(first + i)));
  }
}

std::uint64_t seed_style_world::frame() {
  engine_.make_current();
  const std::uint64_t before = engine_.resumes();
  world_.set_time(engine_.now() + frame_ns, static_cast<float>(frame_ns) / 1e9f);
  engine_.update(frame_ns);
  return engine_.resumes() - before;
}

}  // namespace corobridge::seed_style
