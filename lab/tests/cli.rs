//! The `corobridge` command line as a user meets it: help on every subcommand, the
//! version, values checked with an error naming the flag and its range, JSON that keeps
//! 64-bit checksums exact, and no panic when the reader closes the pipe.

use std::io::Read;
use std::process::{Command, Output, Stdio};

fn corobridge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corobridge"))
        .args(args)
        .output()
        .expect("run the corobridge binary")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn every_subcommand_has_help() {
    for (args, expect) in [
        (&["--help"][..], "switches"),
        (&["game", "--help"][..], "--npcs"),
        (&["switches", "--help"][..], "--rounds"),
        (&["compare", "--help"][..], "--sizes"),
        (&["help", "compare"][..], "--only"),
        (&["help", "game"][..], "--frames"),
    ] {
        let output = corobridge(args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        assert!(
            stdout(&output).contains(expect),
            "{args:?}: {}",
            stdout(&output)
        );
    }
}

#[test]
fn version_is_the_crate_version() {
    let output = corobridge(&["--version"]);
    assert!(output.status.success());
    assert_eq!(
        stdout(&output).trim(),
        format!("corobridge {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn counts_of_zero_are_errors_that_name_the_flag_and_the_range() {
    for (args, flag) in [
        (&["game", "--npcs", "0"][..], "--npcs"),
        (&["game", "--frames", "0", "--virtual"][..], "--frames"),
        (&["game", "--threads", "0"][..], "--threads"),
        (&["game", "--npcs", "-5"][..], "--npcs"),
        (&["switches", "--rounds", "0"][..], "--rounds"),
        (&["switches", "--waiters", "0"][..], "--waiters"),
        (&["compare", "--quick", "--sizes", "0"][..], "--sizes"),
        (&["compare", "--quick", "--sizes", "1000,-1"][..], "--sizes"),
    ] {
        let output = corobridge(args);
        assert!(!output.status.success(), "{args:?} must fail");
        let message = stderr(&output);
        assert!(message.contains(flag), "{args:?}: {message}");
        assert!(
            message.contains("1.."),
            "{args:?} names no range: {message}"
        );
    }
}

#[test]
fn unknown_options_and_engines_are_errors() {
    let output = corobridge(&["game", "--engine", "boost"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("seed-style"),
        "{}",
        stderr(&output)
    );
    let output = corobridge(&["compare", "--only", "goroutine"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("fiber-cpp") && stderr(&output).contains("--only"),
        "{}",
        stderr(&output)
    );
    let output = corobridge(&["game", "--fast"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("--fast"), "{}", stderr(&output));
}

#[test]
fn game_json_is_one_object_with_the_checksum_as_a_string() {
    let output = corobridge(&[
        "game",
        "--json",
        "--virtual",
        "--npcs",
        "200",
        "--frames",
        "5",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(stdout(&output).trim()).expect("JSON");
    assert_eq!(report["npcs"], 200);
    assert_eq!(report["frames"], 5);
    assert_eq!(report["virtual"], true);
    assert!(
        report["frame_ms_median"]
            .as_f64()
            .is_some_and(f64::is_finite)
    );
    let checksum = report["checksum"]
        .as_str()
        .expect("the checksum is a string");
    assert!(checksum.parse::<u64>().is_ok(), "{checksum}");
}

#[test]
fn compare_json_has_a_report_per_engine_with_equal_checksums() {
    let output = corobridge(&[
        "game",
        "--compare",
        "--json",
        "--virtual",
        "--npcs",
        "300",
        "--frames",
        "4",
        "--threads",
        "2",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let all: serde_json::Value = serde_json::from_str(stdout(&output).trim()).expect("JSON");
    let engines: Vec<&String> = all.as_object().expect("an object").keys().collect();
    assert_eq!(engines.len(), 3, "{engines:?}");
    let checksums: Vec<&str> = ["corobridge", "corobridge_x2", "seed-style"]
        .iter()
        .map(|name| all[*name]["checksum"].as_str().expect("checksum string"))
        .collect();
    assert!(
        checksums.iter().all(|c| *c == checksums[0]),
        "{checksums:?}"
    );
}

#[test]
fn a_reader_that_closes_the_pipe_early_causes_no_panic() {
    for args in [
        &["game", "--help"][..],
        &["game", "--virtual", "--npcs", "100", "--frames", "2"][..],
    ] {
        closed_pipe(args);
    }
}

fn closed_pipe(args: &[&str]) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_corobridge"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take()); // `| head -0`: nobody reads
    let mut errors = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut errors)
        .expect("read stderr");
    child.wait().expect("wait");
    assert!(!errors.contains("panicked"), "{args:?}: {errors}");
}
