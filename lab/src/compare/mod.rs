//! `corobridge compare`: every coroutine model side by side on this machine, with the
//! seed's claims beside the measurements, written as a report (`report.md`,
//! `report.json` and SVG charts).
//!
//! Rows: a C++20 coroutine and a Rust task on corobridge's executor, a Rust task on tokio,
//! a fiber suspended from Rust and one suspended from C++, and an OS thread. Columns: the
//! suspend + resume round trip, create + run + destroy, resident memory per suspended
//! unit at several population sizes, and the most units alive at once with the limit that
//! stopped them. Then the seed's game world at 1,000,000 NPCs on each engine beside its
//! memory floor, and the interop costs against cxx-async. Timed figures are medians of
//! measurements taken in alternation, with their spread; populations and game runs each
//! run in a child process of their own.
//!
//! ```no_run
//! use corobridge_lab::compare::{CompareConfig, run};
//!
//! let exe = std::env::current_exe().unwrap(); // the `corobridge` binary
//! let (report, charts) = run(&CompareConfig::quick(), &exe).unwrap();
//! println!("{} models, {} charts", report.models.len(), charts.len());
//! ```

pub mod charts;
pub mod claims;
mod error;
pub mod floor;
pub mod format;
pub mod game_rows;
pub mod interop;
pub mod machine;
pub mod markdown;
pub mod memory;
pub mod model;
pub mod output;
pub mod population;
mod progress;
pub mod report;
pub mod sections;
pub mod table;
pub mod timings;

use std::path::{Path, PathBuf};
use std::time::Instant;

use self::charts::Chart;
pub use self::error::CompareError;
use self::game_rows::GameRowsConfig;
pub use self::model::Model;
use self::output::OutDir;
use self::progress::Progress;
use self::report::{CompareReport, ModelRow, Settings};
use self::timings::TimingConfig;

/// A part of the report `--only` selects: a model's row (by its id), all six model rows
/// (`models`), the game rows (`game`) or the interop rows (`interop`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Only {
    /// One model's row.
    Model(Model),
    /// All six model rows.
    Models,
    /// The game rows and the memory floor.
    Game,
    /// The interop rows.
    Interop,
}

impl Only {
    const ALL: [Only; 9] = [
        Only::Model(Model::CppCoroutine),
        Only::Model(Model::RustCorobridge),
        Only::Model(Model::RustTokio),
        Only::Model(Model::FiberRust),
        Only::Model(Model::FiberCpp),
        Only::Model(Model::Thread),
        Only::Models,
        Only::Game,
        Only::Interop,
    ];
}

impl clap::ValueEnum for Only {
    fn value_variants<'a>() -> &'a [Self] {
        &Self::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(match self {
            Only::Model(model) => clap::builder::PossibleValue::new(model.id()).help(model.label()),
            Only::Models => clap::builder::PossibleValue::new("models").help("all six model rows"),
            Only::Game => {
                clap::builder::PossibleValue::new("game").help("the game rows and the memory floor")
            }
            Only::Interop => clap::builder::PossibleValue::new("interop").help("the interop rows"),
        })
    }
}

/// What to measure.
#[derive(Clone, Debug, Default)]
pub struct CompareConfig {
    /// A smoke test: small batches, populations and worlds (under 10 s in a release build).
    pub quick: bool,
    /// Population sizes of the memory columns (default 10,000, 100,000 and 1,000,000;
    /// with `quick` 1,000 and 10,000).
    pub sizes: Option<Vec<usize>>,
    /// The parts to measure (empty: all).
    pub only: Vec<Only>,
    /// The command line, for the report.
    pub command: String,
}

impl CompareConfig {
    /// The `--quick` configuration.
    pub fn quick() -> Self {
        Self {
            quick: true,
            command: "corobridge compare --quick".to_owned(),
            ..Self::default()
        }
    }

    /// The models selected.
    pub fn models(&self) -> Vec<Model> {
        if self.only.is_empty() || self.only.contains(&Only::Models) {
            return Model::ALL.to_vec();
        }
        Model::ALL
            .into_iter()
            .filter(|m| self.only.contains(&Only::Model(*m)))
            .collect()
    }

    fn wants(&self, part: Only) -> bool {
        self.only.is_empty() || self.only.contains(&part)
    }

    fn plan(&self) -> Plan {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        if self.quick {
            Plan {
                timing: TimingConfig {
                    rounds: 3,
                    batch_scale: 0.01,
                },
                sizes: self.sizes.clone().unwrap_or_else(|| vec![1_000, 10_000]),
                cap: 0,
                game: GameRowsConfig {
                    npcs: 10_000,
                    frames: 5,
                    rounds: 1,
                    threads: cores,
                    floor_passes: 3,
                },
                interop_rounds: 3,
                interop_scale: 0.01,
            }
        } else {
            Plan {
                timing: TimingConfig {
                    rounds: 15,
                    batch_scale: 1.0,
                },
                sizes: self
                    .sizes
                    .clone()
                    .unwrap_or_else(|| vec![10_000, 100_000, 1_000_000]),
                cap: 200_000,
                game: GameRowsConfig {
                    npcs: 1_000_000,
                    frames: 30,
                    rounds: 3,
                    threads: cores,
                    floor_passes: 30,
                },
                interop_rounds: 15,
                interop_scale: 1.0,
            }
        }
    }
}

/// The sizes and rounds a configuration turns into.
struct Plan {
    timing: TimingConfig,
    sizes: Vec<usize>,
    /// Units a model with a stack is grown to after the sizes (0: no further).
    cap: usize,
    game: GameRowsConfig,
    interop_rounds: usize,
    interop_scale: f64,
}

/// Measures everything `config` selects; `exe` is the `corobridge` binary, which runs the
/// populations and the game worlds as child processes.
///
/// # Errors
///
/// [`CompareError`] if a measurement's machinery fails (a model that reaches a system
/// limit is reported in its row instead).
pub fn run(
    config: &CompareConfig,
    exe: &Path,
) -> Result<(CompareReport, Vec<Chart>), CompareError> {
    let started = Instant::now();
    let plan = config.plan();
    let models = config.models();
    let mut sizes = plan.sizes.clone();
    sizes.sort_unstable();
    sizes.dedup();
    let engines = 2 + usize::from(plan.game.threads > 1);
    let total = if models.is_empty() {
        0
    } else {
        2 * plan.timing.rounds as u64 + models.len() as u64
    } + if config.wants(Only::Game) {
        (plan.game.rounds * (engines + 1)) as u64
    } else {
        0
    } + if config.wants(Only::Interop) {
        2 * plan.interop_rounds as u64
    } else {
        0
    };
    let progress = Progress::new(total);

    let mut rows = Vec::new();
    let mut populations = Vec::new();
    if !models.is_empty() {
        progress.stage("round trips and create + run + destroy");
        let times = timings::measure(&models, plan.timing, || progress.tick())?;
        for time in times {
            let model = time.model;
            progress.stage(&format!("memory: {model}"));
            let cap = if model.has_stack() { plan.cap } else { 0 };
            let (memory, memory_error) = match memory::measure_in_child(exe, model, &sizes, cap) {
                Ok(population) => {
                    populations.push((model, population.clone()));
                    (Some(population), None)
                }
                Err(e) => (None, Some(e)),
            };
            progress.tick();
            rows.push(ModelRow {
                model,
                label: model.label().to_owned(),
                kind: model.kind().to_owned(),
                round_trip: timings::round_trip_means(model).to_owned(),
                round_trip_ns: time.round_trip_ns,
                lifecycle: timings::lifecycle_means(model).to_owned(),
                lifecycle_ns: time.lifecycle_ns,
                reserved_bytes_per_unit: model.has_stack().then(|| model.reserved_bytes() as u64),
                memory,
                memory_error,
            });
        }
    }
    let game = if config.wants(Only::Game) {
        progress.stage("game worlds and the memory floor");
        Some(game_rows::measure(exe, plan.game, || progress.tick())?)
    } else {
        None
    };
    let interop = if config.wants(Only::Interop) {
        progress.stage("interop");
        interop::measure(plan.interop_rounds, plan.interop_scale, || progress.tick())?
    } else {
        Vec::new()
    };
    progress.finish();
    let report = CompareReport {
        machine: machine::Machine::current(),
        settings: Settings {
            quick: config.quick,
            sizes: sizes.iter().map(|&n| n as u64).collect(),
            rounds: plan.timing.rounds as u64,
            command: config.command.clone(),
        },
        models: rows,
        claims: claims::compare(&populations),
        game,
        interop,
        wall_seconds: started.elapsed().as_secs_f64(),
    };
    let charts = charts::draw(&report)?;
    Ok((report, charts))
}

/// The tables as the terminal shows them.
pub fn text(report: &CompareReport) -> String {
    let mut out = String::new();
    for table in sections::tables(report) {
        out.push_str(&table.text());
        out.push('\n');
    }
    out
}

/// Writes `report.md`, `report.json` and the charts into `out` (each through a temporary
/// name). Returns the paths written.
///
/// # Errors
///
/// [`CompareError::Out`] if a file cannot be written; [`CompareError::Json`] if the
/// report cannot be serialised.
pub fn write(
    report: &CompareReport,
    charts: &[Chart],
    out: &OutDir,
) -> Result<Vec<PathBuf>, CompareError> {
    let markdown = markdown::render(report, charts);
    let json = serde_json::to_string_pretty(report)?;
    let mut files: Vec<(&str, &[u8])> = vec![
        ("report.md", markdown.as_bytes()),
        ("report.json", json.as_bytes()),
    ];
    files.extend(charts.iter().map(|c| (c.name, c.svg.as_bytes())));
    out.write_all(&files)
}
