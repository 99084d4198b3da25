//! The `corobridge` command: compares coroutine models on this machine (the default),
//! runs the seed's game world on corobridge's executor and on the seed-style engine, and
//! times stackful against stackless switches.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use corobridge_lab::compare::memory::ProbeLine;
use corobridge_lab::compare::{self, CompareConfig, Model, Only, output::OutDir, population};
use corobridge_lab::game::{Engine, GameConfig, GameReport, run_game, run_in_child};
use corobridge_lab::switch_report::{self, SwitchConfig};

/// C++20 coroutines, Rust futures and stackful fibers on one executor, compared on this
/// machine.
///
/// Without a command: `compare` (every coroutine model side by side, the seed's claims
/// beside the measurements, the game world at 1,000,000 NPCs and the interop costs,
/// written as a report with charts).
#[derive(Parser, Debug)]
#[command(name = "corobridge", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Action>,
}

#[derive(Subcommand, Debug)]
enum Action {
    /// Compare coroutine models: round trips, create + run + destroy, memory at scale,
    /// the seed's claims, the game world and interop; writes report.md, report.json and
    /// SVG charts.
    Compare(CompareArgs),
    /// Run the seed's game world (patrolling NPCs, cooldowns, dialogue, particles).
    Game(GameArgs),
    /// Stackful vs stackless: round trips, create + run + destroy and suspended waiters,
    /// every case timed in alternation with the others.
    Switches(SwitchArgs),
    /// (internal) One model's population probe for `compare`, printed as JSON.
    #[command(hide = true)]
    MemoryProbe(ProbeArgs),
}

#[derive(Args, Debug, Default)]
struct CompareArgs {
    /// A smoke test: small batches, populations and worlds (coarse figures, under 10 s).
    #[arg(long)]
    quick: bool,
    /// Print one JSON object per row instead of the tables.
    #[arg(long)]
    json: bool,
    /// Population sizes of the memory columns [default: 10000,100000,1000000; with
    /// --quick 1000,10000].
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true, value_parser = clap::value_parser!(i64).range(1..=100_000_000))]
    sizes: Option<Vec<i64>>,
    /// The report directory (created if missing).
    #[arg(long, value_name = "DIR", default_value = "target/corobridge-report")]
    out: PathBuf,
    /// Only these rows (comma-separated): model ids, `models`, `game`, `interop`.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "ROWS")]
    only: Vec<Only>,
}

#[derive(Args, Debug)]
struct ProbeArgs {
    #[arg(long, value_enum)]
    model: Model,
    #[arg(long, value_delimiter = ',', required = true)]
    sizes: Vec<usize>,
    #[arg(long, default_value_t = 0)]
    cap: usize,
}

#[derive(Args, Debug)]
struct GameArgs {
    /// Patrolling NPCs.
    #[arg(long, default_value_t = GameConfig::default().npcs as i64, allow_negative_numbers = true, value_parser = clap::value_parser!(i64).range(1..=100_000_000))]
    npcs: i64,
    /// 16 ms frames to run.
    #[arg(long, default_value_t = i64::from(GameConfig::default().frames), allow_negative_numbers = true, value_parser = clap::value_parser!(i64).range(1..=10_000_000))]
    frames: i64,
    /// Virtual clock: frames back to back (default: real clock, paced at 16 ms).
    #[arg(long = "virtual")]
    virtual_clock: bool,
    /// Which engine runs the NPCs (seed-style implies --virtual and --patrol-only).
    #[arg(long, value_enum, default_value_t = Engine::Corobridge)]
    engine: Engine,
    /// Only the patrols (otherwise also cooldowns, dialogue and particles).
    #[arg(long)]
    patrol_only: bool,
    /// corobridge: split the NPCs over T worlds, one executor per thread, frames in
    /// lockstep (with --compare: the sharded row's threads; default every core).
    #[arg(long, value_name = "T", allow_negative_numbers = true, value_parser = clap::value_parser!(i64).range(1..=1024))]
    threads: Option<i64>,
    /// Run corobridge on one thread, on T threads and the seed-style engine on the patrol
    /// workload, each in its own process, and print them side by side.
    #[arg(long)]
    compare: bool,
    /// Print JSON (one object; with --compare one object per engine) instead of a summary.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct SwitchArgs {
    /// Alternating rounds; the figures are medians over them.
    #[arg(long, default_value_t = SwitchConfig::default().rounds as i64, allow_negative_numbers = true, value_parser = clap::value_parser!(i64).range(1..=100_000))]
    rounds: i64,
    /// Suspended waiters of each kind for the memory rows.
    #[arg(long, default_value_t = SwitchConfig::default().waiters as i64, allow_negative_numbers = true, value_parser = clap::value_parser!(i64).range(1..=1_000_000))]
    waiters: i64,
}

fn main() -> ExitCode {
    // Die quietly on a closed pipe (`corobridge ... | head`), as command-line tools do,
    // instead of panicking in println!.
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts;
    // nothing in this process relies on ignoring it.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    let cli = Cli::parse();
    let action = cli.command.unwrap_or_else(|| {
        Action::Compare(CompareArgs {
            out: PathBuf::from("target/corobridge-report"),
            ..CompareArgs::default()
        })
    });
    match run(action) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("corobridge: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(action: Action) -> Result<(), String> {
    match action {
        Action::Compare(args) => compare_models(&args),
        Action::Game(args) => game(&args),
        Action::Switches(args) => switches(&args),
        Action::MemoryProbe(args) => {
            // Each point as soon as it is measured, so that a probe the system kills at a
            // limit still leaves its figures.
            let print = |line: &ProbeLine| {
                if let Ok(json) = serde_json::to_string(line) {
                    println!("{json}");
                }
            };
            let population = population::probe(args.model, &args.sizes, args.cap, |point| {
                print(&ProbeLine::Point(point.clone()));
            })
            .map_err(|e| e.to_string())?;
            print(&ProbeLine::Done(population));
            Ok(())
        }
    }
}

/// Why a debug build does not compare speeds.
const DEBUG_REFUSAL: &str = "compare measures speed, and this is a debug build: unoptimised \
     Rust would make every figure meaningless. Run `cargo run --release` (or \
     `compare --quick` for a plumbing check that does not claim speed).";

fn compare_models(args: &CompareArgs) -> Result<(), String> {
    if cfg!(debug_assertions) && !args.quick {
        return Err(DEBUG_REFUSAL.to_owned());
    }
    // Before any measuring: a report directory that cannot be written is an error now,
    // not after a minute and a half.
    let out = OutDir::prepare(&args.out).map_err(|e| e.to_string())?;
    compare::output::install_interrupt_handler();
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own executable: {e}"))?;
    let sizes = args
        .sizes
        .as_ref()
        .map(|sizes| sizes.iter().map(|&n| count(n, "--sizes")).collect())
        .transpose()?;
    let config = CompareConfig {
        quick: args.quick,
        sizes,
        only: args.only.clone(),
        command: std::iter::once("corobridge".to_owned())
            .chain(std::env::args().skip(1))
            .collect::<Vec<_>>()
            .join(" "),
    };
    let (report, charts) = compare::run(&config, &exe).map_err(|e| e.to_string())?;
    if args.json {
        println!("{}", report.json_lines().map_err(|e| e.to_string())?);
    } else {
        println!(
            "corobridge compare: {} ({} cores), {}, {} build{}\n",
            report.machine.cpu,
            report.machine.cores,
            report.machine.kernel,
            report.machine.profile,
            if report.settings.quick {
                ", --quick (coarse)"
            } else {
                ""
            }
        );
        print!("{}", compare::text(&report));
    }
    let written = compare::write(&report, &charts, &out).map_err(|e| e.to_string())?;
    let names: Vec<String> = written
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let line = format!(
        "report written to {}: {} ({:.1} s)",
        out.path().display(),
        names.join(", "),
        report.wall_seconds
    );
    if args.json {
        eprintln!("{line}");
    } else {
        println!("{line}");
    }
    Ok(())
}

/// A count that clap has already checked to lie in `1..=max` (max below 2^31).
fn count<T: TryFrom<i64>>(value: i64, flag: &str) -> Result<T, String> {
    T::try_from(value).map_err(|_| format!("{flag}: {value} does not fit this machine"))
}

fn game_config(args: &GameArgs) -> Result<GameConfig, String> {
    let seed_style = args.engine == Engine::SeedStyle;
    Ok(GameConfig {
        npcs: count(args.npcs, "--npcs")?,
        frames: count(args.frames, "--frames")?,
        virtual_clock: args.virtual_clock || seed_style,
        engine: args.engine,
        patrol_only: args.patrol_only || seed_style,
        threads: args.threads.map_or(Ok(1), |t| count(t, "--threads"))?,
    })
}

fn switches(args: &SwitchArgs) -> Result<(), String> {
    let config = SwitchConfig {
        rounds: count(args.rounds, "--rounds")?,
        waiters: count(args.waiters, "--waiters")?,
        ..SwitchConfig::default()
    };
    let report = switch_report::measure(&config).map_err(|e| e.to_string())?;
    print!("{report}");
    Ok(())
}

fn game(args: &GameArgs) -> Result<(), String> {
    let config = game_config(args)?;
    if args.compare {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let threads = args.threads.map_or(Ok(cores), |t| count(t, "--threads"))?;
        return compare(&config, threads, args.json);
    }
    let report = run_game(&config).map_err(|e| e.to_string())?;
    if args.json {
        println!("{}", report.to_json());
    } else {
        println!("{}", report.summary());
    }
    Ok(())
}

/// Runs each engine in a child process of its own (so peak RSS is each engine's own) on
/// the same patrol workload, and prints them side by side: corobridge on one thread, on
/// `threads` threads (if more than one), and the seed-style engine.
fn compare(config: &GameConfig, threads: usize, json: bool) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own executable: {e}"))?;
    let mut runs = vec![(Engine::Corobridge.name().to_owned(), Engine::Corobridge, 1)];
    if threads > 1 {
        runs.push((
            format!("corobridge_x{threads}"),
            Engine::Corobridge,
            threads,
        ));
    }
    runs.push((Engine::SeedStyle.name().to_owned(), Engine::SeedStyle, 1));
    let mut reports = Vec::new();
    for (label, engine, threads) in runs {
        let run = GameConfig {
            engine,
            threads,
            patrol_only: true,
            ..config.clone()
        };
        let report = run_in_child(&exe, &run, &label).map_err(|e| e.to_string())?;
        reports.push((label, threads, report));
    }
    if json {
        let object: serde_json::Map<String, serde_json::Value> = reports
            .iter()
            .map(|(label, _, report)| {
                serde_json::to_value(report).map(|value| (label.clone(), value))
            })
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        println!("{}", serde_json::Value::Object(object));
        return Ok(());
    }
    let figures: Vec<(&str, usize, &GameReport)> = reports
        .iter()
        .map(|(label, threads, report)| (label.as_str(), *threads, report))
        .collect();
    let (_, _, ours) = &figures[0];
    let (_, _, seed) = &figures[figures.len() - 1];
    println!(
        "seed's game world, {} patrolling NPCs, {} frames of 16 ms ({} clock), same run:\n",
        config.npcs,
        config.frames,
        if config.virtual_clock {
            "virtual"
        } else {
            "real"
        }
    );
    println!(
        "{:<15} {:>8} {:>11} {:>11} {:>10} {:>13} {:>11}",
        "engine", "threads", "median ms", "p99 ms", "setup ms", "peak RSS MiB", "resumes"
    );
    for (label, threads, f) in &figures {
        println!(
            "{:<15} {:>8} {:>11.3} {:>11.3} {:>10.1} {:>13.1} {:>11}",
            label,
            threads,
            f.frame_ms_median,
            f.frame_ms_p99,
            f.setup_ms,
            mib(f.peak_rss_bytes),
            f.resumes
        );
    }
    let budget = |median: f64| if median <= 16.6 { "met" } else { "missed" };
    println!(
        "\nper frame, one thread each: corobridge is {:.1}x faster than seed-style (median); \
         peak RSS ratio {:.2}; 60 FPS budget 16.6 ms: {}",
        seed.frame_ms_median / ours.frame_ms_median,
        mib(ours.peak_rss_bytes) / mib(seed.peak_rss_bytes),
        budget(ours.frame_ms_median)
    );
    if let [_, (label, threads, sharded), _] = figures.as_slice() {
        println!(
            "{label}: {threads} worlds with an executor each, one per thread: {:.1}x faster \
             than seed-style, {:.2}x one corobridge thread; 60 FPS budget: {}",
            seed.frame_ms_median / sharded.frame_ms_median,
            ours.frame_ms_median / sharded.frame_ms_median,
            budget(sharded.frame_ms_median)
        );
    }
    println!(
        "same simulation: {}",
        if figures.iter().all(|(_, _, f)| f.checksum == seed.checksum) {
            "yes (world checksums match)"
        } else {
            "NO: checksums differ"
        }
    );
    Ok(())
}

/// Peak RSS in MiB (NaN when unknown, which prints as such).
fn mib(bytes: Option<u64>) -> f64 {
    bytes.map_or(f64::NAN, |b| b as f64 / 1_048_576.0)
}
