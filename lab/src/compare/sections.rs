//! The report's tables, built once from a [`CompareReport`] and printed to the terminal
//! and into `report.md` alike.

use super::format::{bytes, count};
use super::model::Model;
use super::population::Limit;
use super::report::CompareReport;
use super::table::Table;

/// Every table of the report, in order.
pub fn tables(report: &CompareReport) -> Vec<Table> {
    let mut tables = Vec::new();
    if !report.models.is_empty() {
        tables.push(costs(report));
        tables.push(memory(report));
    }
    if !report.claims.is_empty() {
        tables.push(claims(report));
    }
    if let Some(game) = &report.game {
        let mut table = Table::new(
            format!(
                "Game: {} patrolling NPC coroutines per frame (virtual clock; ms per frame, median (IQR))",
                count(game.floor.npcs)
            ),
            &[
                "engine",
                "threads",
                "frame ms",
                "min–max",
                "vs floor",
                "setup ms",
                "peak RSS",
                "resumes/frame",
            ],
        );
        for row in &game.engines {
            table.row(vec![
                row.label.clone(),
                row.threads.to_string(),
                row.frame_ms.text(2),
                format!("{:.2}–{:.2}", row.frame_ms.min, row.frame_ms.max),
                format!("{:.2}x", row.vs_floor),
                format!("{:.0}", row.setup_ms.median),
                bytes(row.peak_rss_bytes as f64),
                format!("{:.0}", row.resumes_per_frame),
            ]);
        }
        let floor = &game.floor;
        table.row(vec![
            "memory floor".to_owned(),
            "1".to_owned(),
            floor.pass_ms.text(2),
            format!("{:.2}–{:.2}", floor.pass_ms.min, floor.pass_ms.max),
            "1.00x".to_owned(),
            "-".to_owned(),
            "-".to_owned(),
            "-".to_owned(),
        ]);
        table.notes.push(format!(
            "memory floor: one pass reading and writing one word of every cache line of {} separately allocated {}-byte blocks (the patrol coroutine's frame) and of each NPC's {}-byte entity record. 60 FPS budget: 16.6 ms. Same simulation on every engine: {}.",
            count(floor.npcs),
            floor.frame_bytes,
            floor.record_bytes,
            if game.same_simulation { "yes (checksums match)" } else { "NO: checksums differ" }
        ));
        tables.push(table);
    }
    if !report.interop.is_empty() {
        let mut table = Table::new(
            "Interop: ns per awaited future, median (IQR)",
            &[
                "direction",
                "contender",
                "ns",
                "min–max",
                "vs Box::pin",
                "cxx-async / this",
            ],
        );
        for row in &report.interop {
            table.row(vec![
                row.direction.label().to_owned(),
                row.contender.clone(),
                row.ns.text(1),
                format!("{:.1}–{:.1}", row.ns.min, row.ns.max),
                format!("{:.2}x", row.vs_box_pin),
                format!("{:.2}x", row.cxx_async_over_this),
            ]);
        }
        tables.push(table);
    }
    tables
}

fn costs(report: &CompareReport) -> Table {
    let mut table = Table::new(
        format!(
            "Cost per operation, ns: median (IQR) of {} alternating rounds",
            report.settings.rounds
        ),
        &[
            "model",
            "kind",
            "round trip",
            "min–max",
            "create+run+destroy",
            "min–max",
        ],
    );
    for row in &report.models {
        table.row(vec![
            row.model.id().to_owned(),
            row.kind.clone(),
            row.round_trip_ns.text(1),
            format!("{:.1}–{:.1}", row.round_trip_ns.min, row.round_trip_ns.max),
            row.lifecycle_ns.text(1),
            format!("{:.1}–{:.1}", row.lifecycle_ns.min, row.lifecycle_ns.max),
        ]);
    }
    for &model in &Model::ALL {
        if report.models.iter().any(|r| r.model == model) {
            table.notes.push(format!(
                "{}: round trip = {}; create+run+destroy = {}.",
                model.id(),
                super::timings::round_trip_means(model),
                super::timings::lifecycle_means(model)
            ));
        }
    }
    table
}

fn memory(report: &CompareReport) -> Table {
    let mut headers = vec!["model".to_owned()];
    headers.extend(
        report
            .settings
            .sizes
            .iter()
            .map(|n| format!("N = {}", count(*n))),
    );
    headers.extend([
        "reserved".to_owned(),
        "most alive".to_owned(),
        "stopped by".to_owned(),
    ]);
    let mut table = Table {
        title: "Memory per suspended unit: resident-set growth / N, all N alive at once".to_owned(),
        headers,
        ..Table::default()
    };
    for row in &report.models {
        let mut cells = vec![row.model.id().to_owned()];
        match &row.memory {
            Some(population) => {
                for &size in &report.settings.sizes {
                    let point = population.points.iter().find(|p| p.requested == size);
                    cells.push(match point {
                        Some(p) if p.reached == p.requested => bytes(p.resident_bytes_per_unit),
                        Some(p) => format!(
                            "{} (only {} alive)",
                            bytes(p.resident_bytes_per_unit),
                            count(p.reached)
                        ),
                        None => "-".to_owned(),
                    });
                }
                cells.push(
                    row.reserved_bytes_per_unit
                        .map_or_else(|| "-".to_owned(), |b| bytes(b as f64)),
                );
                let most = match population.limit {
                    Limit::MemoryBound { .. } | Limit::Cap { .. } => {
                        format!("≥ {}", count(population.max_alive))
                    }
                    Limit::Failed { .. } => count(population.max_alive),
                };
                cells.push(most);
                cells.push(population.limit.text());
            }
            None => {
                cells.extend(report.settings.sizes.iter().map(|_| "-".to_owned()));
                cells.push(
                    row.reserved_bytes_per_unit
                        .map_or_else(|| "-".to_owned(), |b| bytes(b as f64)),
                );
                cells.push("-".to_owned());
                cells.push(row.memory_error.clone().unwrap_or_default());
            }
        }
        table.row(cells);
    }
    table
}

fn claims(report: &CompareReport) -> Table {
    let mut table = Table::new(
        "The seed's claims beside the measurements",
        &[
            "the seed says",
            "per unit",
            "10,000 units",
            "model",
            "measured per unit",
            "10,000 measured",
            "claim / measured",
        ],
    );
    for row in &report.claims {
        table.row(vec![
            row.claim.clone(),
            bytes(row.claimed_bytes_per_unit),
            bytes(row.claimed_bytes_for_10k),
            row.model.id().to_owned(),
            format!(
                "{} (at {})",
                bytes(row.measured_bytes_per_unit),
                count(row.measured_at)
            ),
            bytes(row.measured_bytes_for_10k),
            format!("{:.1}x", row.ratio),
        ]);
    }
    table
}
