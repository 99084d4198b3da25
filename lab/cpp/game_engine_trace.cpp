// The seed's GameEngine driven from C++ alone: a raw coroutine resumed through
// schedule_resume, a behaviour awaited to the end, one cancelled while it waits and a
// registration cancelled before it fires; the trace tells what happened when.
#include <chrono>
#include <coroutine>
#include <string>
#include <vector>

#include "corobridge-lab/game_behaviors.hpp"
#include "corobridge/game_timer.hpp"
#include "corobridge/task.hpp"
#include "game_bridge.hpp"

namespace corobridge::game::bridge {

using namespace std::chrono_literals;

namespace {

/// A coroutine type of its own (not a corobridge task), resumed through
/// GameEngine::schedule_resume like the seed's engine does.
struct raw_coroutine {
  struct promise_type {
    raw_coroutine get_return_object() {
      return raw_coroutine{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { std::terminate(); }
  };
  std::coroutine_handle<promise_type> handle;
};

/// Suspends until the engine resumes it at `when`.
struct resume_at {
  GameEngine* engine;
  GameEngine::time_point when;
  resume_id* id;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) const { *id = engine->schedule_resume(h, when); }
  void await_resume() const noexcept {}
};

raw_coroutine raw_ticker(GameEngine* engine, std::vector<std::string>* trace, resume_id* id) {
  for (int i = 0; i < 3; ++i) {
    co_await resume_at{engine, engine->now() + 30ms, id};
    trace->push_back("tick " + std::to_string(i) + " at " +
                     std::to_string(engine->now().time_since_epoch() / 1ms) + "ms");
  }
}

task<void> cooldown_watch(GameEngine* engine, game::world* w, std::vector<std::string>* trace) {
  trace->push_back("cooldown starts, can_attack=" + std::to_string(w->combat(0).can_attack));
  co_await game::attack_cooldown(w, 0, 100ms);
  trace->push_back("cooldown over at " + std::to_string(engine->now().time_since_epoch() / 1ms) +
                   "ms, can_attack=" + std::to_string(w->combat(0).can_attack));
}

}  // namespace

rust::Vec<rust::String> game_engine_trace() {
  std::vector<std::string> trace;
  game::world w(4, 0);
  w.create_entity({0, 0, 0}, 1.0f, w.add_route({{1, 0, 0}}));
  {
    GameEngine engine(clock_kind::virtual_time);
    resume_id ticker_id{};
    raw_coroutine ticker = raw_ticker(&engine, &trace, &ticker_id);
    engine.spawn_task(cooldown_watch(&engine, &w, &trace));
    // A behaviour cancelled while it waits: its frame goes, its timer too.
    const spawn_id doomed = engine.spawn_task(game::attack_cooldown(&w, 0, 10s));
    engine.update(0ms);  // starts the spawned tasks at t=0
    trace.push_back("pending timers " + std::to_string(engine.pending_timers()));
    engine.cancel_task(doomed);
    trace.push_back("after cancel: pending timers " + std::to_string(engine.pending_timers()) +
                    ", live tasks " + std::to_string(engine.live_tasks()));
    for (int frame = 0; frame < 10; ++frame) engine.update();
    trace.push_back("ticker done " + std::to_string(ticker.handle.done()));
    // A raw registration cancelled before it fires never resumes anything.
    const resume_id late = engine.schedule_resume(ticker.handle, engine.now() + 1s);
    engine.cancel_resume(late);
    engine.update(2s);
    trace.push_back("at " + std::to_string(engine.now().time_since_epoch() / 1ms) +
                    "ms: pending timers " + std::to_string(engine.pending_timers()));
    ticker.handle.destroy();
  }
  rust::Vec<rust::String> out;
  for (const std::string& line : trace) out.push_back(rust::String(line));
  return out;
}

}  // namespace corobridge::game::bridge
