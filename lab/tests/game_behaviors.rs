//! The seed's game behaviours (C++ coroutines on GameTimer) at known virtual times.

use std::time::Duration;

use corobridge::ClockKind;
use corobridge_lab::game::{Engine, GameConfig, GameWorld, SeedStyleWorld, Vec3, run_game};

const FRAME: Duration = Duration::from_millis(16);

fn world() -> GameWorld {
    GameWorld::new(ClockKind::Virtual, 16, 64).expect("world")
}

fn v(x: f32, y: f32, z: f32) -> Vec3 {
    Vec3 { x, y, z }
}

#[test]
fn can_attack_is_false_until_the_cooldown_has_elapsed() {
    let mut w = world();
    let npc = w
        .create_npc(v(0.0, 0.0, 0.0), 1.0, &[v(1.0, 0.0, 0.0)])
        .unwrap();
    assert!(w.can_attack(npc).unwrap());
    w.start_attack_cooldown(npc, Duration::from_millis(250))
        .unwrap();
    w.start().unwrap();
    assert!(!w.can_attack(npc).unwrap());
    w.executor().advance(Duration::from_millis(249)).unwrap();
    assert!(!w.can_attack(npc).unwrap(), "1 ms early");
    w.executor().advance(Duration::from_millis(1)).unwrap();
    assert!(w.can_attack(npc).unwrap());
    assert_eq!(
        w.executor().stats().live_cpp_tasks,
        0,
        "the behaviour finished"
    );
}

#[test]
fn dialogue_shows_one_more_character_every_50_ms() {
    let mut w = world();
    let npc = w
        .create_npc(v(0.0, 0.0, 0.0), 1.0, &[v(1.0, 0.0, 0.0)])
        .unwrap();
    w.start_dialogue(npc, vec!["Hello".to_owned(), "Bye".to_owned()])
        .unwrap();
    w.start().unwrap();
    assert!(w.is_displaying(npc));
    let ms50 = Duration::from_millis(50);
    for expected in ["", "H", "He", "Hel", "Hell", "Hello"] {
        assert_eq!(w.visible_text(npc), expected);
        w.executor().advance(ms50).unwrap();
    }
    // The whole line is shown; it waits for "continue", however long that takes.
    w.executor().advance(Duration::from_secs(5)).unwrap();
    assert_eq!(w.visible_text(npc), "Hello");
    w.set_action("continue", true);
    w.executor().advance(Duration::from_millis(16)).unwrap(); // sees the press
    w.executor().advance(Duration::from_millis(500)).unwrap(); // the pause between lines
    assert_eq!(w.visible_text(npc), "");
    for expected in ["B", "By", "Bye"] {
        w.executor().advance(ms50).unwrap();
        assert_eq!(w.visible_text(npc), expected);
    }
    w.executor().advance(Duration::from_secs(1)).unwrap();
    assert!(!w.is_displaying(npc), "the sequence ended");
}

/// The seed's movement, replayed in Rust: the frame at which the NPC reaches each waypoint.
fn expected_arrivals(start: Vec3, speed: f32, route: &[Vec3], count: usize) -> Vec<u32> {
    let dt = 0.016_f32;
    let distance =
        |a: Vec3, b: Vec3| ((a.x - b.x).powi(2) + (a.y - b.y).powi(2) + (a.z - b.z).powi(2)).sqrt();
    let move_towards = |from: Vec3, to: Vec3, step: f32| {
        let d = distance(from, to);
        if d <= step || d == 0.0 {
            to
        } else {
            let k = step / d;
            v(
                from.x + (to.x - from.x) * k,
                from.y + (to.y - from.y) * k,
                from.z + (to.z - from.z) * k,
            )
        }
    };
    let (mut position, mut frame, mut arrivals) = (start, 0u32, Vec::new());
    'outer: loop {
        for &waypoint in route {
            while distance(position, waypoint) > 0.1 {
                position = move_towards(position, waypoint, speed * dt);
                frame += 1; // one 16 ms wait
            }
            arrivals.push(frame);
            if arrivals.len() == count {
                break 'outer;
            }
            frame += 125; // 2 s at the waypoint
        }
    }
    arrivals
}

#[test]
fn a_patrolling_npc_reaches_its_waypoints_at_the_expected_frames() {
    let route = [v(1.0, 0.0, 0.0), v(1.0, 0.0, 1.0), v(0.0, 0.0, 0.0)];
    let expected = expected_arrivals(v(0.0, 0.0, 0.0), 1.0, &route, 4);
    assert_eq!(expected[0], 57, "(1 - 0.1) / 0.016 rounded up");
    let mut w = world();
    let npc = w.create_npc(v(0.0, 0.0, 0.0), 1.0, &route).unwrap();
    w.start_patrol(npc).unwrap();
    w.start().unwrap();
    let mut arrivals = Vec::new();
    let mut reached = 0;
    for frame in 1..=*expected.last().unwrap() + 1 {
        w.frame().unwrap();
        let now = w.waypoints_reached(npc).unwrap();
        if now != reached {
            arrivals.push(frame);
            reached = now;
        }
    }
    assert_eq!(arrivals, expected);
    assert_eq!(w.now(), FRAME * (*expected.last().unwrap() + 1));
    // The fourth arrival is back at the first waypoint, (1, 0, 0).
    let p = w.position(npc).unwrap();
    assert!(
        (p.x - 1.0).abs() <= 0.1 && p.z.abs() <= 0.1,
        "at the first waypoint: {p:?}"
    );
}

#[test]
fn an_inactive_npc_stops_after_its_round() {
    let mut w = world();
    let npc = w
        .create_npc(v(0.0, 0.0, 0.0), 10.0, &[v(1.0, 0.0, 0.0)])
        .unwrap();
    w.start_patrol(npc).unwrap();
    w.start().unwrap();
    w.set_active(npc, false).unwrap();
    for _ in 0..400 {
        w.frame().unwrap();
    }
    assert_eq!(w.waypoints_reached(npc).unwrap(), 1);
    assert_eq!(
        w.executor().stats().live_cpp_tasks,
        0,
        "the behaviour returned"
    );
}

#[test]
fn a_particle_fades_and_is_destroyed_after_its_lifetime() {
    let mut w = world();
    let particle = w
        .spawn_particle(v(0.0, 1.0, 0.0), Duration::from_millis(500))
        .unwrap();
    w.start().unwrap();
    assert_eq!(w.particle_alpha(particle).unwrap(), 1.0);
    let mut last = 1.0;
    let mut frames = 0;
    while w.particle_alive(particle).unwrap() {
        w.frame().unwrap();
        frames += 1;
        let alpha = w.particle_alpha(particle).unwrap();
        assert!(alpha <= last, "alpha only fades: {alpha} after {last}");
        last = alpha;
        assert!(frames <= 40, "the particle outlived its lifetime");
    }
    // 500 ms / 16 ms per frame = 31.25: it dies at the 32nd frame.
    assert_eq!(frames, 32);
    assert!(last < 0.05, "nearly transparent before it went: {last}");
    assert_eq!(w.alive_particles(), 0);
}

#[test]
fn a_cancelled_behaviour_is_gone_with_its_timer() {
    let mut w = world();
    let npc = w
        .create_npc(v(0.0, 0.0, 0.0), 1.0, &[v(5.0, 0.0, 0.0)])
        .unwrap();
    let patrol = w.start_patrol(npc).unwrap();
    w.start().unwrap();
    w.frame().unwrap();
    assert_eq!(w.executor().stats().pending_timers, 1);
    assert!(w.cancel(patrol));
    assert_eq!(w.executor().stats().pending_timers, 0);
    let p = w.position(npc).unwrap();
    for _ in 0..10 {
        w.frame().unwrap();
    }
    assert_eq!(w.position(npc).unwrap(), p, "nothing moves it any more");
}

#[test]
fn the_cpp_game_engine_api_schedules_spawns_and_cancels() {
    let trace = corobridge_lab::game::game_engine_trace();
    assert_eq!(
        trace,
        [
            "cooldown starts, can_attack=1",
            "pending timers 3",
            "after cancel: pending timers 2, live tasks 1",
            "tick 0 at 30ms",
            "tick 1 at 60ms",
            "tick 2 at 90ms",
            "cooldown over at 100ms, can_attack=1",
            "ticker done 1",
            "at 2160ms: pending timers 0",
        ]
    );
}

#[test]
fn corobridge_and_the_seed_style_engine_simulate_the_same_world() {
    let npcs = 2_000;
    let mut ours = GameWorld::new(ClockKind::Virtual, npcs, 0).unwrap();
    ours.populate(npcs).unwrap();
    ours.start().unwrap();
    let mut seed = SeedStyleWorld::new(npcs).unwrap();
    assert_eq!(ours.checksum(), seed.checksum());
    for frame in 0..400 {
        let a = ours.frame().unwrap();
        let b = seed.frame();
        assert_eq!(a, b, "resumes in frame {frame}");
        assert_eq!(ours.checksum(), seed.checksum(), "frame {frame}");
    }
}

#[test]
fn a_world_split_into_shards_on_threads_simulates_the_same_world() {
    let patrols = |threads| GameConfig {
        npcs: 1_001,
        frames: 200,
        virtual_clock: true,
        engine: Engine::Corobridge,
        patrol_only: true,
        threads,
    };
    let one = run_game(&patrols(1)).unwrap();
    let seed = run_game(&GameConfig {
        engine: Engine::SeedStyle,
        ..patrols(1)
    })
    .unwrap();
    assert_eq!(one.checksum, seed.checksum);
    for threads in [2, 3] {
        let sharded = run_game(&patrols(threads)).unwrap();
        assert_eq!(sharded.threads, threads);
        assert_eq!(sharded.frames, 200);
        assert_eq!(sharded.resumes, one.resumes, "{threads} shards");
        assert_eq!(sharded.checksum, one.checksum, "{threads} shards");
    }
    // More threads than NPCs: one shard per NPC.
    let tiny = run_game(&GameConfig {
        npcs: 2,
        threads: 8,
        ..patrols(1)
    })
    .unwrap();
    assert_eq!(tiny.threads, 2);

    // With the extras (cooldowns, dialogue, particles) in the first shard.
    let full = run_game(&GameConfig {
        patrol_only: false,
        threads: 2,
        ..patrols(1)
    })
    .unwrap();
    assert!(full.resumes > one.resumes);
}

#[test]
fn a_real_clock_world_runs_frames_as_time_passes() {
    let mut w = GameWorld::new(ClockKind::Real, 4, 4).unwrap();
    let npc = w
        .create_npc(v(0.0, 0.0, 0.0), 1.0, &[v(1.0, 0.0, 0.0)])
        .unwrap();
    w.start_attack_cooldown(npc, Duration::from_millis(40))
        .unwrap();
    w.start().unwrap();
    assert!(!w.can_attack(npc).unwrap());
    std::thread::sleep(Duration::from_millis(45));
    w.frame().unwrap();
    assert!(w.can_attack(npc).unwrap());
}
