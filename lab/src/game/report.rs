//! Running the game world for a number of frames and reporting what it cost.

use std::sync::Barrier;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{GameError, GameWorld, SeedStyleWorld, Vec3};
use corobridge::ClockKind;

/// Which engine runs the NPCs.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    /// corobridge's executor (GameEngine on the Rust timer queue).
    #[default]
    Corobridge,
    /// The seed-style baseline (a `std::priority_queue` of handles).
    SeedStyle,
}

impl Engine {
    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Corobridge => "corobridge",
            Engine::SeedStyle => "seed-style",
        }
    }
}

/// What to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GameConfig {
    /// Patrolling NPCs.
    pub npcs: usize,
    /// Frames (16 ms engine updates) to run.
    pub frames: u32,
    /// Virtual clock (frames run back to back) or real clock (paced at 16 ms).
    pub virtual_clock: bool,
    /// Which engine.
    pub engine: Engine,
    /// Only the patrols (the workload both engines run); otherwise corobridge's world also
    /// runs attack cooldowns, a dialogue and particle bursts.
    pub patrol_only: bool,
    /// corobridge only: split the NPCs into this many shards, each a world with its own
    /// executor on its own thread, all stepping the same frame together (a frame lasts
    /// until the slowest shard is done). The extras run in the first shard. 1: one world.
    pub threads: usize,
}

impl Default for GameConfig {
    fn default() -> Self {
        Self {
            npcs: 10_000,
            frames: 300,
            virtual_clock: true,
            engine: Engine::Corobridge,
            patrol_only: false,
            threads: 1,
        }
    }
}

/// What a run measured; its JSON form (serde) has these fields, with `virtual_clock` named
/// `virtual` and the 64-bit `checksum` as a decimal string (a JSON number would lose bits
/// in most readers).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GameReport {
    /// Which engine ran.
    pub engine: Engine,
    /// NPCs.
    pub npcs: usize,
    /// Frames run.
    pub frames: u32,
    /// Virtual clock?
    #[serde(rename = "virtual")]
    pub virtual_clock: bool,
    /// Threads (shards) the NPCs ran on.
    pub threads: usize,
    /// Coroutine resumes (and Rust polls) over all frames.
    pub resumes: u64,
    /// Time to create the world and start every behaviour.
    pub setup_ms: f64,
    /// Frame times (the work of one update, not the pacing sleep).
    pub frame_ms_median: f64,
    /// Mean frame time.
    pub frame_ms_mean: f64,
    /// 99th percentile frame time.
    pub frame_ms_p99: f64,
    /// Slowest frame.
    pub frame_ms_max: f64,
    /// Peak resident set size of the process (Linux), if known.
    pub peak_rss_bytes: Option<u64>,
    /// Digest of the final world state (equal across engines for the same workload).
    #[serde(with = "u64_as_string")]
    pub checksum: u64,
    /// Every frame's time in milliseconds, in the order run.
    #[serde(default)]
    pub frame_ms: Vec<f64>,
}

/// A `u64` as a JSON string of its decimal digits, so no JSON reader rounds it.
pub(crate) mod u64_as_string {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub(crate) fn serialize<S: Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(D::Error::custom)
    }
}

impl GameReport {
    /// One JSON object (see the type's documentation for its fields).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Reads what [`GameReport::to_json`] wrote.
    ///
    /// # Errors
    ///
    /// The JSON error if `json` is not such an object.
    pub fn from_json(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// A few human-readable lines.
    pub fn summary(&self) -> String {
        format!(
            "engine {} | {} NPCs on {} thread(s) | {} frames ({} clock)\n\
             setup {:.1} ms | frame median {:.3} ms, mean {:.3} ms, p99 {:.3} ms, max {:.3} ms\n\
             {} resumes ({:.1} per frame) | peak RSS {} | checksum {:016x}",
            self.engine.name(),
            self.npcs,
            self.threads,
            self.frames,
            if self.virtual_clock {
                "virtual"
            } else {
                "real"
            },
            self.setup_ms,
            self.frame_ms_median,
            self.frame_ms_mean,
            self.frame_ms_p99,
            self.frame_ms_max,
            self.resumes,
            self.resumes as f64 / f64::from(self.frames.max(1)),
            self.peak_rss_bytes.map_or_else(
                || "unknown".to_owned(),
                |b| format!("{:.1} MiB", b as f64 / 1048576.0)
            ),
            self.checksum
        )
    }
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// Runs the configured world and measures it.
pub fn run_game(config: &GameConfig) -> Result<GameReport, GameError> {
    let setup = Instant::now();
    let mut frame_ms = Vec::with_capacity(config.frames as usize);
    let mut resumes = 0;
    let (setup_ms, checksum) = match config.engine {
        Engine::Corobridge if config.threads > 1 => {
            let (setup_ms, sharded_resumes, checksum) = run_sharded(config, setup, &mut frame_ms)?;
            resumes = sharded_resumes;
            (setup_ms, checksum)
        }
        Engine::Corobridge => {
            let mut world = build_world(config, 0, config.npcs, true)?;
            let setup_ms = ms(setup.elapsed());
            let mut pacer = Pacer::new(config);
            for frame in 0..config.frames {
                pacer.wait();
                if !config.patrol_only {
                    extras(&mut world, config.npcs, frame)?;
                }
                let start = Instant::now();
                resumes += world.frame()?;
                frame_ms.push(ms(start.elapsed()));
            }
            (setup_ms, world.checksum())
        }
        Engine::SeedStyle => {
            let mut world = SeedStyleWorld::new(config.npcs)?;
            let setup_ms = ms(setup.elapsed());
            for _ in 0..config.frames {
                let start = Instant::now();
                resumes += world.frame();
                frame_ms.push(ms(start.elapsed()));
            }
            (setup_ms, world.checksum())
        }
    };
    Ok(finish(config, setup_ms, frame_ms, resumes, checksum))
}

/// Paces frames at 16 ms on a real clock (on a virtual clock they run back to back).
struct Pacer {
    next_frame: Option<Instant>,
}

impl Pacer {
    const FRAME: Duration = Duration::from_millis(16);

    fn new(config: &GameConfig) -> Self {
        Self {
            next_frame: (!config.virtual_clock).then(|| Instant::now() + Self::FRAME),
        }
    }

    /// Sleeps until the next frame is due.
    fn wait(&mut self) {
        if let Some(next) = self.next_frame.as_mut() {
            std::thread::sleep(next.saturating_duration_since(Instant::now()));
            *next += Self::FRAME;
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn finish(
    config: &GameConfig,
    setup_ms: f64,
    mut frame_ms: Vec<f64>,
    resumes: u64,
    checksum: u64,
) -> GameReport {
    let mean = frame_ms.iter().sum::<f64>() / frame_ms.len().max(1) as f64;
    let in_order = frame_ms.clone();
    frame_ms.sort_by(f64::total_cmp);
    GameReport {
        engine: config.engine,
        npcs: config.npcs,
        frames: config.frames,
        virtual_clock: config.virtual_clock || config.engine == Engine::SeedStyle,
        threads: shards(config),
        resumes,
        setup_ms,
        frame_ms_median: percentile(&frame_ms, 0.5),
        frame_ms_mean: mean,
        frame_ms_p99: percentile(&frame_ms, 0.99),
        frame_ms_max: frame_ms.last().copied().unwrap_or(0.0),
        peak_rss_bytes: crate::process_memory::peak_rss_bytes(),
        checksum,
        frame_ms: in_order,
    }
}

/// Particles spawned per burst, and frames between bursts.
const PARTICLE_BURST: usize = 32;
const BURST_EVERY: u32 = 30;

/// The shards a run uses (at least one, at most one per NPC).
fn shards(config: &GameConfig) -> usize {
    match config.engine {
        Engine::Corobridge => config.threads.clamp(1, config.npcs.max(1)),
        Engine::SeedStyle => 1,
    }
}

/// Runs the NPCs in `shards(config)` worlds, one per thread, frame by frame in lockstep:
/// a frame is timed from its start signal until the last shard has finished it. Returns
/// the setup time, the resumes of all shards and the chained checksum.
fn run_sharded(
    config: &GameConfig,
    setup: Instant,
    frame_ms: &mut Vec<f64>,
) -> Result<(f64, u64, u64), GameError> {
    let shards = shards(config);
    let lockstep = Lockstep::new(shards + 1);
    std::thread::scope(|scope| {
        let lockstep = &lockstep;
        let mut previous_link = None;
        let mut workers = Vec::with_capacity(shards);
        for shard in 0..shards {
            let skip = config.npcs * shard / shards;
            let count = config.npcs * (shard + 1) / shards - skip;
            let (next_link, receive) = mpsc::channel();
            let shard = Shard {
                index: shard,
                skip,
                count,
                digest_before: previous_link.replace(receive),
                digest_after: next_link,
            };
            workers.push(scope.spawn(move || shard.run(config, lockstep)));
        }
        lockstep.ready.wait();
        let setup_ms = ms(setup.elapsed());
        let mut pacer = Pacer::new(config);
        for _ in 0..config.frames {
            pacer.wait();
            let began = Instant::now();
            lockstep.start.wait();
            lockstep.done.wait();
            frame_ms.push(ms(began.elapsed()));
        }
        let mut resumes = 0;
        let mut checksum = None;
        for worker in workers {
            let (n, last) = worker
                .join()
                .map_err(|_| GameError::World("a shard thread panicked".to_owned()))??;
            resumes += n;
            checksum = last;
        }
        let checksum =
            checksum.ok_or_else(|| GameError::World("a shard produced no checksum".to_owned()))?;
        Ok((setup_ms, resumes, checksum))
    })
}

/// The barriers at which the shards and the timing thread meet: setup done, frame start,
/// frame done. Every thread reaches each of them whatever happened to it, so that a failing
/// shard cannot leave the others waiting.
struct Lockstep {
    ready: Barrier,
    start: Barrier,
    done: Barrier,
}

impl Lockstep {
    fn new(threads: usize) -> Self {
        Self {
            ready: Barrier::new(threads),
            start: Barrier::new(threads),
            done: Barrier::new(threads),
        }
    }
}

/// One shard of a sharded run: NPCs `skip .. skip + count` in a world of its own.
struct Shard {
    index: usize,
    skip: usize,
    count: usize,
    /// The digest of the shards before this one (none for the first; `None` received: one
    /// of them failed), so that the chain digests the shards in order, like one world.
    digest_before: Option<mpsc::Receiver<Option<u64>>>,
    digest_after: mpsc::Sender<Option<u64>>,
}

impl Shard {
    /// Builds the world, runs every frame in lockstep, and hands the digest on. Returns the
    /// resumes and the digest so far.
    fn run(
        self,
        config: &GameConfig,
        lockstep: &Lockstep,
    ) -> Result<(u64, Option<u64>), GameError> {
        let mut error = None;
        let mut world = build_world(config, self.skip, self.count, self.index == 0)
            .map_err(|e| error = Some(e))
            .ok();
        lockstep.ready.wait();
        let mut resumes = 0;
        for frame in 0..config.frames {
            lockstep.start.wait();
            if let Some(w) = world.as_mut() {
                match self.step(w, config, frame) {
                    Ok(n) => resumes += n,
                    Err(e) => {
                        error = Some(e);
                        world = None;
                    }
                }
            }
            lockstep.done.wait();
        }
        let before = match self.digest_before {
            None => Some(GameWorld::CHECKSUM_BASIS),
            Some(link) => link.recv().ok().flatten(),
        };
        let digest = before.zip(world.as_ref()).map(|(h, w)| w.checksum_after(h));
        let _ = self.digest_after.send(digest);
        match error {
            Some(e) => Err(e),
            None => Ok((resumes, digest)),
        }
    }

    /// One frame; the first shard also runs the extras.
    fn step(
        &self,
        world: &mut GameWorld,
        config: &GameConfig,
        frame: u32,
    ) -> Result<u64, GameError> {
        if self.index == 0 && !config.patrol_only {
            extras(world, self.count, frame)?;
        }
        world.frame()
    }
}

fn build_world(
    config: &GameConfig,
    skip: usize,
    npcs: usize,
    with_extras: bool,
) -> Result<GameWorld, GameError> {
    let clock = if config.virtual_clock {
        ClockKind::Virtual
    } else {
        ClockKind::Real
    };
    let bursts = (config.frames / BURST_EVERY + 1) as usize;
    let extras = with_extras && !config.patrol_only;
    let particles = if extras { bursts * PARTICLE_BURST } else { 0 };
    let mut world = GameWorld::new(clock, npcs + usize::from(extras), particles)?;
    world.populate_shard(skip, npcs)?;
    if extras {
        let quest_giver = world.create_npc(Vec3::default(), 1.0, &[Vec3::default()])?;
        world.start_dialogue(
            quest_giver,
            vec![
                "Hello, brave adventurer!".to_owned(),
                "I have a quest for you...".to_owned(),
                "Will you help me?".to_owned(),
            ],
        )?;
    }
    world.start()?;
    Ok(world)
}

/// The parts of the seed's world beyond patrols: cooldowns after "attacks", a player who
/// presses "continue" now and then, particle bursts.
fn extras(world: &mut GameWorld, npcs: usize, frame: u32) -> Result<(), GameError> {
    if frame.is_multiple_of(20) && npcs > 0 {
        let attacker = (frame as usize * 7919) % npcs;
        world.start_attack_cooldown(attacker as u32, Duration::from_millis(500))?;
    }
    world.set_action("continue", frame % 90 > 80);
    if frame.is_multiple_of(BURST_EVERY) {
        for i in 0..PARTICLE_BURST {
            let position = Vec3 {
                x: i as f32,
                y: 1.0,
                z: frame as f32,
            };
            let lifetime = Duration::from_millis(500 + (i as u64 % 4) * 250);
            world.spawn_particle(position, lifetime)?;
        }
    }
    Ok(())
}
