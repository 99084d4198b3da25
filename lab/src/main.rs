//! The `corobridge` command: runs the seed's game world on corobridge's executor and
//! compares it with the seed-style engine, and compares stackful fibers with stackless
//! coroutines.

use std::process::{Command, ExitCode};

use corobridge_lab::game::{Engine, GameConfig, run_game};
use corobridge_lab::switch_report::{self, SwitchConfig};

const USAGE: &str = "\
usage:
  corobridge                       the default run: game --npcs 100000 --frames 300 --virtual
                                   --compare, then switches
  corobridge game [options]        run the seed's game world
  corobridge switches [options]    stackful vs stackless: round trips, create + run + destroy
                                   and suspended waiters, timed in alternation
  corobridge help

game options:
  --npcs N          patrolling NPCs (default 10000)
  --frames F        16 ms frames to run (default 300)
  --virtual         virtual clock: frames back to back (default: real clock, paced at 16 ms)
  --engine E        corobridge (default) or seed-style (the seed's priority_queue engine)
  --patrol-only     only the patrols (otherwise also cooldowns, dialogue and particles)
  --threads T       corobridge: split the NPCs over T worlds, one executor per thread,
                    frames in lockstep (default 1)
  --compare         run both engines on the patrol workload, each in its own process:
                    corobridge on one thread, on T threads (default: every core) and the
                    seed-style engine (one thread)
  --json            print one JSON object instead of a summary

switches options:
  --rounds R        alternating rounds, the figures are medians over them (default 21)
  --waiters N       suspended waiters of each kind for the memory rows (default 5000)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None => {
            let default = [
                "--npcs",
                "100000",
                "--frames",
                "300",
                "--virtual",
                "--compare",
            ];
            game(&default.map(str::to_owned)).and_then(|()| {
                println!();
                switches(&[])
            })
        }
        Some("game") => game(&args[1..]),
        Some("switches") => switches(&args[1..]),
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command {other:?}\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("corobridge: {message}");
            ExitCode::FAILURE
        }
    }
}

struct GameArgs {
    config: GameConfig,
    json: bool,
    compare: bool,
    /// `--threads`, if given.
    threads: Option<usize>,
}

fn parse_game(args: &[String]) -> Result<GameArgs, String> {
    let mut parsed = GameArgs {
        config: GameConfig {
            virtual_clock: false,
            ..GameConfig::default()
        },
        json: false,
        compare: false,
        threads: None,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--npcs" => parsed.config.npcs = parse_number(value("--npcs")?)?,
            "--frames" => parsed.config.frames = parse_number(value("--frames")?)?,
            "--engine" => {
                let name = value("--engine")?;
                parsed.config.engine =
                    Engine::parse(name).ok_or_else(|| format!("unknown engine {name:?}"))?;
            }
            "--virtual" => parsed.config.virtual_clock = true,
            "--patrol-only" => parsed.config.patrol_only = true,
            "--threads" => {
                let threads: usize = parse_number(value("--threads")?)?;
                if threads == 0 {
                    return Err("--threads needs at least 1".to_owned());
                }
                parsed.threads = Some(threads);
                parsed.config.threads = threads;
            }
            "--json" => parsed.json = true,
            "--compare" => parsed.compare = true,
            other => return Err(format!("unknown option {other:?}\n{USAGE}")),
        }
    }
    if parsed.config.engine == Engine::SeedStyle {
        parsed.config.virtual_clock = true;
        parsed.config.patrol_only = true;
    }
    Ok(parsed)
}

fn parse_number<T: std::str::FromStr>(text: &str) -> Result<T, String> {
    let cleaned: String = text.chars().filter(|c| *c != '_' && *c != ',').collect();
    cleaned
        .parse()
        .map_err(|_| format!("not a number: {text:?}"))
}

fn switches(args: &[String]) -> Result<(), String> {
    let mut config = SwitchConfig::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--rounds" => config.rounds = parse_number(value("--rounds")?)?,
            "--waiters" => config.waiters = parse_number(value("--waiters")?)?,
            other => return Err(format!("unknown option {other:?}\n{USAGE}")),
        }
    }
    let report = switch_report::measure(&config).map_err(|e| e.to_string())?;
    print!("{report}");
    Ok(())
}

fn game(args: &[String]) -> Result<(), String> {
    let parsed = parse_game(args)?;
    if parsed.compare {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        return compare(&parsed.config, parsed.threads.unwrap_or(cores), parsed.json);
    }
    let report = run_game(&parsed.config).map_err(|e| e.to_string())?;
    if parsed.json {
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
    let mut runs = vec![("corobridge".to_owned(), Engine::Corobridge, 1)];
    if threads > 1 {
        runs.push((
            format!("corobridge_x{threads}"),
            Engine::Corobridge,
            threads,
        ));
    }
    runs.push(("seed-style".to_owned(), Engine::SeedStyle, 1));
    let mut reports = Vec::new();
    for (label, engine, threads) in runs {
        let output = Command::new(&exe)
            .args(["game", "--json", "--patrol-only", "--engine", engine.name()])
            .args([
                "--npcs",
                &config.npcs.to_string(),
                "--frames",
                &config.frames.to_string(),
                "--threads",
                &threads.to_string(),
            ])
            .args(config.virtual_clock.then_some("--virtual"))
            .output()
            .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
        if !output.status.success() {
            return Err(format!(
                "the {label} run failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let line = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        reports.push((label, threads, line));
    }
    if json {
        let parts: Vec<String> = reports
            .iter()
            .map(|(label, _, line)| format!("\"{label}\":{line}"))
            .collect();
        println!("{{{}}}", parts.join(","));
        return Ok(());
    }
    let figures = reports
        .iter()
        .map(|(label, threads, line)| Ok((label.as_str(), *threads, Figures::from_json(line)?)))
        .collect::<Result<Vec<_>, String>>()?;
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
            f.median,
            f.p99,
            f.setup,
            f.rss / 1048576.0,
            f.resumes
        );
    }
    let budget = |median: f64| if median <= 16.6 { "met" } else { "missed" };
    println!(
        "\nper frame, one thread each: corobridge is {:.1}x faster than seed-style (median); \
         peak RSS ratio {:.2}; 60 FPS budget 16.6 ms: {}",
        seed.median / ours.median,
        ours.rss / seed.rss,
        budget(ours.median)
    );
    if let [_, (label, threads, sharded), _] = figures.as_slice() {
        println!(
            "{label}: {threads} worlds with an executor each, one per thread: {:.1}x faster \
             than seed-style, {:.2}x one corobridge thread; 60 FPS budget: {}",
            seed.median / sharded.median,
            ours.median / sharded.median,
            budget(sharded.median)
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

struct Figures {
    median: f64,
    p99: f64,
    setup: f64,
    rss: f64,
    resumes: f64,
    checksum: String,
}

impl Figures {
    fn from_json(json: &str) -> Result<Self, String> {
        let raw = |key: &str| -> Result<&str, String> {
            let pattern = format!("\"{key}\":");
            let start = json
                .find(&pattern)
                .ok_or_else(|| format!("no {key} in {json}"))?
                + pattern.len();
            let rest = &json[start..];
            Ok(&rest[..rest.find([',', '}']).unwrap_or(rest.len())])
        };
        let field = |key: &str| -> Result<f64, String> {
            raw(key)?
                .parse()
                .map_err(|_| format!("bad {key} in {json}"))
        };
        Ok(Self {
            median: field("frame_ms_median")?,
            p99: field("frame_ms_p99")?,
            setup: field("setup_ms")?,
            rss: field("peak_rss_bytes")?,
            resumes: field("resumes")?,
            checksum: raw("checksum")?.to_owned(),
        })
    }
}
