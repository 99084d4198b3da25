//! What `corobridge compare` measured, as one serialisable report.

use super::claims::ClaimRow;
use super::floor::Floor;
use super::game_rows::{GameRow, GameRows};
use super::interop::InteropRow;
use super::machine::Machine;
use super::model::Model;
use super::population::Population;
use crate::stats::Spread;

/// The whole comparison (`report.json`).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct CompareReport {
    /// Where and how it was measured.
    pub machine: Machine,
    /// The settings of the run.
    pub settings: Settings,
    /// One row per model.
    pub models: Vec<ModelRow>,
    /// The seed's claims beside the measurements.
    pub claims: Vec<ClaimRow>,
    /// The game rows (absent with `--only` without `game`).
    pub game: Option<GameRows>,
    /// The interop rows.
    pub interop: Vec<InteropRow>,
    /// Wall time of the whole run, seconds.
    pub wall_seconds: f64,
}

/// How the run was configured.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    /// `--quick`: a smoke test, figures coarse.
    pub quick: bool,
    /// Population sizes of the memory columns.
    pub sizes: Vec<u64>,
    /// Alternating rounds of the timed columns.
    pub rounds: u64,
    /// The command line that made the report.
    pub command: String,
}

/// One model's row.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ModelRow {
    /// The model.
    pub model: Model,
    /// The model in words.
    pub label: String,
    /// `stackless`, `stackful` or `thread`.
    pub kind: String,
    /// What a round trip is for this model.
    pub round_trip: String,
    /// Suspend + resume, nanoseconds.
    pub round_trip_ns: Spread,
    /// What a create + run + destroy is for this model.
    pub lifecycle: String,
    /// Create + run + destroy, nanoseconds.
    pub lifecycle_ns: Spread,
    /// Address space reserved per unit beyond what it touches (its stack), bytes; `None`
    /// for a stackless unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved_bytes_per_unit: Option<u64>,
    /// Memory at scale (absent if the probe failed: see `memory_error`).
    pub memory: Option<Population>,
    /// Why the memory probe gave nothing.
    pub memory_error: Option<String>,
}

/// One line of `--json`: a row of the report, tagged with its section.
#[derive(serde::Serialize)]
#[serde(tag = "row", rename_all = "kebab-case")]
enum Row<'a> {
    Machine(&'a Machine),
    Model(&'a ModelRow),
    Claim(&'a ClaimRow),
    Game(&'a GameRowLine<'a>),
    Floor(&'a Floor),
    Interop(&'a InteropRow),
}

/// A game row without its per-frame samples (they are in `report.json`).
#[derive(serde::Serialize)]
struct GameRowLine<'a> {
    label: &'a str,
    engine: crate::game::Engine,
    threads: u64,
    npcs: u64,
    runs: u64,
    frame_ms: Spread,
    setup_ms: Spread,
    peak_rss_bytes: u64,
    resumes_per_frame: f64,
    vs_floor: f64,
    #[serde(with = "crate::game::u64_as_string")]
    checksum: u64,
    same_simulation: bool,
}

impl CompareReport {
    /// One JSON object per row (machine, models, claims, game, floor, interop), one per
    /// line, each with a `row` field naming its kind.
    ///
    /// # Errors
    ///
    /// The serialisation error (none for a report this crate made).
    pub fn json_lines(&self) -> Result<String, serde_json::Error> {
        let mut lines = vec![serde_json::to_string(&Row::Machine(&self.machine))?];
        for row in &self.models {
            lines.push(serde_json::to_string(&Row::Model(row))?);
        }
        for row in &self.claims {
            lines.push(serde_json::to_string(&Row::Claim(row))?);
        }
        if let Some(game) = &self.game {
            for row in &game.engines {
                lines.push(serde_json::to_string(&Row::Game(&line(
                    row,
                    game.same_simulation,
                )))?);
            }
            lines.push(serde_json::to_string(&Row::Floor(&game.floor))?);
        }
        for row in &self.interop {
            lines.push(serde_json::to_string(&Row::Interop(row))?);
        }
        Ok(lines.join("\n"))
    }
}

fn line(row: &GameRow, same_simulation: bool) -> GameRowLine<'_> {
    GameRowLine {
        label: &row.label,
        engine: row.engine,
        threads: row.threads,
        npcs: row.npcs,
        runs: row.runs,
        frame_ms: row.frame_ms,
        setup_ms: row.setup_ms,
        peak_rss_bytes: row.peak_rss_bytes,
        resumes_per_frame: row.resumes_per_frame,
        vs_floor: row.vs_floor,
        checksum: row.checksum,
        same_simulation,
    }
}
