//! Memory at scale from the parent's side: one child process (`corobridge memory-probe`)
//! per model runs [`super::population::probe`] and prints its [`Population`] as JSON.

use std::path::Path;
use std::process::Command;

use super::model::Model;
use super::population::{Limit, MemoryPoint, Population};

/// One line the probe prints: a point as soon as it is measured, then the population.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeLine {
    /// A population size reached and measured.
    Point(MemoryPoint),
    /// The whole probe, at its end.
    Done(Population),
}

/// Runs the probe of `model` in a child process of `exe`. If the child dies part way
/// (the system killed it at a limit), the points it printed before are kept and its death
/// is the population's limit.
///
/// # Errors
///
/// Why the probe gave no figure at all (it could not start, or died before its first
/// point): the caller reports this in the model's row and goes on.
pub fn measure_in_child(
    exe: &Path,
    model: Model,
    sizes: &[usize],
    cap: usize,
) -> Result<Population, String> {
    let sizes: Vec<String> = sizes.iter().map(usize::to_string).collect();
    let output = Command::new(exe)
        .args(["memory-probe", "--model", model.id()])
        .args(["--sizes", &sizes.join(","), "--cap", &cap.to_string()])
        .env("RUST_BACKTRACE", "0")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let mut points = Vec::new();
    for line in text.lines() {
        match serde_json::from_str(line) {
            Ok(ProbeLine::Done(population)) if output.status.success() => return Ok(population),
            Ok(ProbeLine::Done(_)) => {}
            Ok(ProbeLine::Point(point)) => points.push(point),
            Err(e) => return Err(format!("the probe printed no report: {e}: {line}")),
        }
    }
    let died = format!(
        "the probe process died ({}): {}",
        output.status,
        one_line(&String::from_utf8_lossy(&output.stderr))
    );
    let max_alive = points
        .last()
        .map(|p| p.reached)
        .ok_or_else(|| died.clone())?;
    Ok(Population {
        points,
        max_alive,
        limit: Limit::Failed { what: died },
    })
}
/// A child's error output on one line (a table cell), without a backtrace.
fn one_line(stderr: &str) -> String {
    stderr
        .lines()
        .take_while(|l| !l.starts_with("stack backtrace") && !l.starts_with("note: run with"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
