//! A game run in a child process of the `corobridge` command (`game --json`), so that its
//! peak resident memory is its own and one engine's run cannot disturb another's.

use std::path::Path;
use std::process::Command;

use super::{GameConfig, GameError, GameReport};

/// Runs `config` as `exe game --json ...` and reads back its report; `label` names the
/// run in errors.
///
/// # Errors
///
/// [`GameError::Child`] if the process cannot start, fails, or prints no report.
pub fn run_in_child(exe: &Path, config: &GameConfig, label: &str) -> Result<GameReport, GameError> {
    let failed = |message: String| GameError::Child {
        label: label.to_owned(),
        message,
    };
    let output = Command::new(exe)
        .args(["game", "--json", "--engine", config.engine.name()])
        .args([
            "--npcs",
            &config.npcs.to_string(),
            "--frames",
            &config.frames.to_string(),
            "--threads",
            &config.threads.to_string(),
        ])
        .args(config.virtual_clock.then_some("--virtual"))
        .args(config.patrol_only.then_some("--patrol-only"))
        .output()
        .map_err(|e| failed(format!("cannot run {}: {e}", exe.display())))?;
    if !output.status.success() {
        return Err(failed(format!(
            "{}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let line = String::from_utf8_lossy(&output.stdout);
    GameReport::from_json(line.trim())
        .map_err(|e| failed(format!("printed no report ({e}): {}", line.trim())))
}
