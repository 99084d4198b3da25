//! The game rows: the seed's patrol workload of 1,000,000 NPC coroutines, frame by frame,
//! on corobridge with one thread and with every core and on the seed-style engine, each
//! run in a child process, the runs of all engines taken in alternation; and the memory
//! floor measured in the same run.

use std::path::Path;

use super::error::CompareError;
use super::floor::{self, Floor};
use crate::game::{Engine, GameConfig, run_in_child};
use crate::stats::Spread;

/// How large the game rows are.
#[derive(Clone, Copy, Debug)]
pub struct GameRowsConfig {
    /// NPCs in every world.
    pub npcs: usize,
    /// Frames per run.
    pub frames: u32,
    /// Runs of every engine, in alternation.
    pub rounds: usize,
    /// Threads of the sharded corobridge row (1: no such row).
    pub threads: usize,
    /// Passes of the memory floor.
    pub floor_passes: usize,
}

/// One engine's frames over all its runs.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct GameRow {
    /// `corobridge`, `corobridge-xT` or `seed-style`.
    pub label: String,
    /// The engine.
    pub engine: Engine,
    /// Threads the NPCs ran on.
    pub threads: u64,
    /// NPCs.
    pub npcs: u64,
    /// Runs (child processes) the frames come from.
    pub runs: u64,
    /// Frame times over every frame of every run, milliseconds.
    pub frame_ms: Spread,
    /// World setup (creating and starting every NPC), milliseconds, over the runs.
    pub setup_ms: Spread,
    /// The largest peak resident set of the runs, bytes.
    pub peak_rss_bytes: u64,
    /// Coroutine resumes per frame.
    pub resumes_per_frame: f64,
    /// Median frame over the memory floor's median pass.
    pub vs_floor: f64,
    /// The world's final digest (equal for every engine: the same simulation).
    #[serde(with = "crate::game::u64_as_string")]
    pub checksum: u64,
    /// Every frame time, milliseconds (the distribution chart).
    pub frame_ms_samples: Vec<f64>,
}

/// The game rows and the floor.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct GameRows {
    /// One row per engine.
    pub engines: Vec<GameRow>,
    /// The memory floor, measured in this process between the runs.
    pub floor: Floor,
    /// Whether every run of every engine ended with the same world checksum.
    pub same_simulation: bool,
}

/// Runs the game rows with the `corobridge` executable `exe`; `tick` after each run.
///
/// # Errors
///
/// [`CompareError`] if a run fails or the floor cannot be measured.
pub fn measure(
    exe: &Path,
    config: GameRowsConfig,
    mut tick: impl FnMut(),
) -> Result<GameRows, CompareError> {
    let mut engines = vec![("corobridge".to_owned(), Engine::Corobridge, 1)];
    if config.threads > 1 {
        engines.push((
            format!("corobridge-x{}", config.threads),
            Engine::Corobridge,
            config.threads,
        ));
    }
    engines.push(("seed-style".to_owned(), Engine::SeedStyle, 1));
    let mut reports: Vec<Vec<crate::game::GameReport>> = vec![Vec::new(); engines.len()];
    let mut floor_samples = Vec::new();
    let mut frame_bytes = None;
    for _ in 0..config.rounds.max(1) {
        for ((label, engine, threads), runs) in engines.iter().zip(&mut reports) {
            let game = GameConfig {
                npcs: config.npcs,
                frames: config.frames,
                virtual_clock: true,
                engine: *engine,
                patrol_only: true,
                threads: *threads,
            };
            runs.push(run_in_child(exe, &game, label)?);
            tick();
        }
        // The floor in alternation with the engines, a share of its passes each round.
        let passes = config.floor_passes.div_ceil(config.rounds.max(1));
        let floor = floor::measure(config.npcs, passes)?;
        frame_bytes = Some((floor.frame_bytes, floor.record_bytes));
        floor_samples.extend(floor.pass_ms_samples);
        tick();
    }
    let (frame_bytes, record_bytes) = frame_bytes.unwrap_or((0, 0));
    let floor = Floor {
        npcs: config.npcs as u64,
        frame_bytes,
        record_bytes,
        pass_ms: spread(&floor_samples, "memory floor")?,
        pass_ms_samples: floor_samples,
    };
    let checksum = reports
        .first()
        .and_then(|runs| runs.first())
        .map_or(0, |r| r.checksum);
    let same_simulation = reports.iter().flatten().all(|r| r.checksum == checksum);
    let rows = engines
        .into_iter()
        .zip(reports)
        .map(|((label, engine, threads), runs)| {
            let frames: Vec<f64> = runs.iter().flat_map(|r| r.frame_ms.clone()).collect();
            let setups: Vec<f64> = runs.iter().map(|r| r.setup_ms).collect();
            let frame_ms = spread(&frames, &label)?;
            let total_frames = frames.len().max(1) as f64;
            Ok(GameRow {
                engine,
                threads: threads as u64,
                npcs: config.npcs as u64,
                runs: runs.len() as u64,
                setup_ms: spread(&setups, &label)?,
                peak_rss_bytes: runs
                    .iter()
                    .filter_map(|r| r.peak_rss_bytes)
                    .max()
                    .unwrap_or(0),
                resumes_per_frame: runs.iter().map(|r| r.resumes as f64).sum::<f64>()
                    / total_frames,
                vs_floor: frame_ms.median / floor.pass_ms.median,
                checksum: runs.first().map_or(0, |r| r.checksum),
                frame_ms,
                frame_ms_samples: frames,
                label,
            })
        })
        .collect::<Result<Vec<_>, CompareError>>()?;
    Ok(GameRows {
        engines: rows,
        floor,
        same_simulation,
    })
}

fn spread(samples: &[f64], label: &str) -> Result<Spread, CompareError> {
    Spread::of(samples).ok_or_else(|| CompareError::Child {
        what: format!("game run {label}"),
        message: "reported no frames".to_owned(),
    })
}
