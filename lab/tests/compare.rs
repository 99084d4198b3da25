//! `corobridge compare` end to end, as a user runs it: the quick run's JSON rows and
//! report files, and its failures (a report directory it cannot write, Ctrl-C, a debug
//! build asked for speed). No timing asserts: figures are checked to exist, be positive
//! and finite.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use corobridge_lab::compare::Model;
use corobridge_lab::compare::report::CompareReport;
use serde_json::Value;

fn corobridge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corobridge"))
        .args(args)
        .output()
        .expect("run the corobridge binary")
}

/// A fresh directory under the target directory for one test.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("compare-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Every number in `value` (with its path), recursively.
fn numbers<'a>(value: &'a Value, path: String, out: &mut Vec<(String, &'a Value)>) {
    match value {
        Value::Number(_) => out.push((path, value)),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                numbers(item, format!("{path}[{i}]"), out);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                numbers(item, format!("{path}.{key}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn quick_json_run_has_every_row_positive_figures_and_the_report_files() {
    let out = scratch("quick");
    let output = corobridge(&[
        "compare",
        "--quick",
        "--json",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "compare failed: {stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let rows: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let of = |kind: &str| -> Vec<&Value> { rows.iter().filter(|r| r["row"] == kind).collect() };

    assert_eq!(of("machine").len(), 1);
    let machine = of("machine")[0];
    for field in ["cpu", "kernel", "rustc", "cxx", "profile", "date"] {
        assert!(
            machine[field].as_str().is_some_and(|s| !s.is_empty()),
            "machine.{field}"
        );
    }
    let models: BTreeSet<&str> = of("model")
        .iter()
        .filter_map(|r| r["model"].as_str())
        .collect();
    let expected: BTreeSet<&str> = Model::ALL.iter().map(|m| m.id()).collect();
    assert_eq!(models, expected);
    for row in of("model") {
        assert!(row["memory_error"].is_null(), "{}", row["memory_error"]);
        let points = row["memory"]["points"].as_array().expect("memory points");
        assert_eq!(points.len(), 2, "one point per quick size: {row}");
        assert!(row["memory"]["limit"]["kind"].is_string());
    }
    // Every claim of the seed is compared with at least one model.
    let claims: BTreeSet<&str> = of("claim")
        .iter()
        .filter_map(|r| r["claim"].as_str())
        .collect();
    assert_eq!(claims.len(), 3, "{claims:?}");
    let engines: BTreeSet<&str> = of("game")
        .iter()
        .filter_map(|r| r["engine"].as_str())
        .collect();
    assert_eq!(engines, BTreeSet::from(["corobridge", "seed-style"]));
    assert!(of("game").iter().all(|r| r["same_simulation"] == true));
    assert!(of("game").iter().all(|r| {
        r["checksum"]
            .as_str()
            .is_some_and(|c| c.parse::<u64>().is_ok())
    }));
    assert_eq!(of("floor").len(), 1);
    assert_eq!(of("interop").len(), 8);
    for kind in ["rust-awaits-cpp", "cpp-awaits-rust"] {
        let contenders = of("interop")
            .iter()
            .filter(|r| r["direction"] == kind)
            .count();
        assert_eq!(contenders, 4, "{kind}");
    }

    let mut figures = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        numbers(row, format!("row {i} ({})", row["row"]), &mut figures);
    }
    assert!(figures.len() > 100, "{} figures", figures.len());
    for (path, value) in figures {
        let figure = value.as_f64().unwrap_or(f64::NAN);
        assert!(figure.is_finite() && figure > 0.0, "{path} = {value}");
    }

    let report: CompareReport = serde_json::from_str(
        &std::fs::read_to_string(out.join("report.json")).expect("report.json"),
    )
    .expect("report.json reads back as a CompareReport");
    assert_eq!(report.models.len(), Model::ALL.len());
    assert!(report.settings.quick);
    let markdown = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    assert!(
        markdown.contains("## The seed's claims beside the measurements"),
        "{markdown}"
    );
    let svgs: Vec<_> = std::fs::read_dir(&out)
        .expect("the report directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "svg"))
        .collect();
    assert!(svgs.len() >= 3, "{svgs:?}");
    for svg in &svgs {
        let text = std::fs::read_to_string(svg).expect("an svg");
        assert!(
            text.contains("<svg") && text.trim_end().ends_with("</svg>"),
            "{}",
            svg.display()
        );
        let name = svg.file_name().unwrap().to_string_lossy();
        assert!(
            markdown.contains(&format!("({name})")),
            "report.md links {name}"
        );
    }
    // Nothing half-written left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn an_unwritable_report_directory_fails_before_measuring() {
    let dir = scratch("unwritable");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("a-file");
    std::fs::write(&file, b"not a directory").unwrap();
    let target = file.join("report");
    let started = std::time::Instant::now();
    let output = corobridge(&["compare", "--quick", "--out", target.to_str().unwrap()]);
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("--out") && stderr.contains("cannot create"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "nothing measured or printed");
    // Not a timing assert on the code under test: a measuring run takes seconds, the
    // check none; this only tells the two apart.
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ctrl_c_leaves_no_report_files() {
    let out = scratch("interrupted");
    let mut child = Command::new(env!("CARGO_BIN_EXE_corobridge"))
        .args(["compare", "--quick", "--out", out.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start compare");
    // Wait for the directory check to pass (the directory exists), then interrupt.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !out.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(out.exists(), "compare never created its report directory");
    std::thread::sleep(Duration::from_millis(200));
    // SAFETY: sends SIGINT to our own child process, whose pid is alive (not yet waited).
    let sent = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(sent, 0);
    let status = child.wait().expect("wait for compare");
    let files: Vec<String> = std::fs::read_dir(&out)
        .expect("the report directory")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if status.code() == Some(130) {
        assert!(files.is_empty(), "an interrupted run left {files:?}");
    } else {
        // The run finished before the signal arrived: then its report is whole.
        assert!(status.success(), "{status}");
        assert!(files.iter().all(|f| !f.starts_with('.')), "{files:?}");
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_debug_build_refuses_a_full_compare() {
    if !cfg!(debug_assertions) {
        return; // a release build measures: the default run is the main job
    }
    let out = scratch("debug");
    let output = corobridge(&["compare", "--out", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("debug build") && stderr.contains("--release"),
        "{stderr}"
    );
    assert!(
        !out.exists(),
        "refused before touching the report directory"
    );
    // No command at all means compare, refused the same way.
    let output = corobridge(&[]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("debug build"));
}
