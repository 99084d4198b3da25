//! The report's SVG charts, drawn with plotters: memory per unit against N (log-log, the
//! seed's claims as marked points), cost per operation (boxes: interquartile range, the
//! median, min–max whiskers), the game's frame-time distributions with the 16.6 ms budget,
//! and the interop costs.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::error::CompareError;
use super::format::{bytes, count};
use super::interop::Direction;
use super::report::CompareReport;
use crate::stats::Spread;

/// One chart: its file name and SVG text.
pub struct Chart {
    /// File name in the report directory.
    pub name: &'static str,
    /// What it shows.
    pub title: &'static str,
    /// The SVG document.
    pub svg: String,
}

const SIZE: (u32, u32) = (960, 600);
const FONT: &str = "sans-serif";

/// Every chart the report has data for.
///
/// # Errors
///
/// [`CompareError::Chart`] if plotters fails to draw one.
pub fn draw(report: &CompareReport) -> Result<Vec<Chart>, CompareError> {
    let mut charts = Vec::new();
    if report.models.iter().any(|r| r.memory.is_some()) {
        charts.push(render(
            "memory.svg",
            "Memory per suspended unit vs N",
            |root| memory(root, report),
        )?);
    }
    if !report.models.is_empty() {
        let groups: Vec<(String, Vec<(&str, Spread)>)> = report
            .models
            .iter()
            .map(|r| {
                (
                    r.model.id().to_owned(),
                    vec![
                        ("suspend + resume", r.round_trip_ns),
                        ("create + run + destroy", r.lifecycle_ns),
                    ],
                )
            })
            .collect();
        charts.push(render("costs.svg", "Cost per operation", |root| {
            boxes(
                root,
                "Cost per operation (ns, log scale)",
                "ns per operation",
                &groups,
            )
        })?);
    }
    if let Some(game) = &report.game {
        charts.push(render("frames.svg", "Game frame times", |root| {
            frames(root, report, game.floor.pass_ms.median)
        })?);
    }
    if !report.interop.is_empty() {
        let mut groups: Vec<(String, Vec<(&str, Spread)>)> = Vec::new();
        for row in &report.interop {
            let series = match row.direction {
                Direction::RustAwaitsCpp => "Rust awaits C++ task",
                Direction::CppAwaitsRust => "C++ awaits ready Rust future",
            };
            match groups.iter_mut().find(|(name, _)| *name == row.contender) {
                Some((_, entries)) => entries.push((series, row.ns)),
                None => groups.push((row.contender.clone(), vec![(series, row.ns)])),
            }
        }
        charts.push(render(
            "interop.svg",
            "Interop cost per awaited future",
            |root| {
                boxes(
                    root,
                    "Interop: ns per awaited future (log scale)",
                    "ns per awaited future",
                    &groups,
                )
            },
        )?);
    }
    Ok(charts)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type DrawResult = Result<(), String>;

fn render(
    name: &'static str,
    title: &'static str,
    body: impl FnOnce(&Area<'_>) -> DrawResult,
) -> Result<Chart, CompareError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| e.to_string())
            .and_then(|()| body(&root))
            .and_then(|()| root.present().map_err(|e| e.to_string()))
            .map_err(|message| CompareError::Chart { name, message })?;
    }
    Ok(Chart { name, title, svg })
}

fn color(i: usize) -> RGBColor {
    const COLORS: [RGBColor; 7] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
    ];
    COLORS[i % COLORS.len()]
}

/// Resident bytes per unit against units alive, log-log, with the seed's claims.
fn memory(root: &Area<'_>, report: &CompareReport) -> DrawResult {
    let lines: Vec<(&str, Vec<(f64, f64)>)> = report
        .models
        .iter()
        .filter_map(|r| {
            let points: Vec<(f64, f64)> = r
                .memory
                .as_ref()?
                .points
                .iter()
                .filter(|p| p.resident_bytes_per_unit > 0.0)
                .map(|p| (p.reached as f64, p.resident_bytes_per_unit))
                .collect();
            Some((r.model.id(), points))
        })
        .collect();
    let claims = [
        ("seed: thread 8 MB", 8.0 * 1024.0 * 1024.0),
        ("seed: goroutine 2 KB", 2048.0),
        ("seed: coroutine ~1 KB", 1024.0),
    ];
    let xs = lines
        .iter()
        .flat_map(|(_, p)| p.iter().map(|&(x, _)| x))
        .chain([10_000.0]);
    let ys = lines
        .iter()
        .flat_map(|(_, p)| p.iter().map(|&(_, y)| y))
        .chain(claims.iter().map(|&(_, y)| y));
    let (x0, x1) = bounds(xs);
    let (y0, y1) = bounds(ys);
    let mut chart = ChartBuilder::on(root)
        .caption(
            "Resident memory per suspended unit vs units alive",
            (FONT, 22),
        )
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(84)
        .build_cartesian_2d(
            (x0 / 2.0..x1 * 2.0).log_scale(),
            (y0 / 2.0..y1 * 3.0).log_scale(),
        )
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("units alive and suspended (N)")
        .y_desc("resident bytes per unit")
        .x_label_formatter(&|x| count(*x as u64))
        .y_label_formatter(&|y| bytes(*y))
        .draw()
        .map_err(|e| e.to_string())?;
    for (i, (id, points)) in lines.iter().enumerate() {
        let c = color(i);
        chart
            .draw_series(LineSeries::new(points.clone(), c.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(*id)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        chart
            .draw_series(PointSeries::of_element(
                points.clone(),
                4,
                c,
                &|p, s, st| Circle::new(p, s, st.filled()),
            ))
            .map_err(|e| e.to_string())?;
    }
    for (label, y) in claims {
        chart
            .draw_series([Cross::new((10_000.0, y), 7, BLACK.stroke_width(2))])
            .map_err(|e| e.to_string())?;
        chart
            .draw_series([Text::new(
                label.to_owned(),
                (10_000.0 * 1.15, y),
                (FONT, 14),
            )])
            .map_err(|e| e.to_string())?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

/// The smallest and largest of `values` (1..10 if there are none).
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo.is_finite() {
        (lo, hi)
    } else {
        (1.0, 10.0)
    }
}

/// Grouped boxes on a log axis: per group one box per series (IQR filled, median line,
/// min–max whisker).
fn boxes(
    root: &Area<'_>,
    caption: &str,
    y_desc: &str,
    groups: &[(String, Vec<(&str, Spread)>)],
) -> DrawResult {
    let mut series: Vec<&str> = Vec::new();
    for (_, entries) in groups {
        for (name, _) in entries {
            if !series.contains(name) {
                series.push(name);
            }
        }
    }
    let (y0, y1) = bounds(
        groups
            .iter()
            .flat_map(|(_, e)| e.iter().flat_map(|(_, s)| [s.min, s.max])),
    );
    let n = groups.len().max(1);
    let mut chart = ChartBuilder::on(root)
        .caption(caption, (FONT, 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(84)
        .build_cartesian_2d(-0.5..n as f64 - 0.5, (y0 / 2.0..y1 * 2.0).log_scale())
        .map_err(|e| e.to_string())?;
    let names: Vec<&str> = groups.iter().map(|(g, _)| g.as_str()).collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                names.get(i as usize).copied().unwrap_or("").to_owned()
            } else {
                String::new()
            }
        })
        .y_desc(y_desc)
        .y_label_formatter(&|y| format!("{y}"))
        .draw()
        .map_err(|e| e.to_string())?;
    let width = 0.7 / series.len().max(1) as f64;
    for (s, name) in series.iter().enumerate() {
        let c = color(s);
        let offset = (s as f64 - (series.len() as f64 - 1.0) / 2.0) * width;
        let spreads: Vec<(f64, Spread)> = groups
            .iter()
            .enumerate()
            .filter_map(|(g, (_, e))| {
                e.iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, sp)| (g as f64 + offset, *sp))
            })
            .collect();
        let half = width * 0.4;
        chart
            .draw_series(spreads.iter().map(|&(x, sp)| {
                Rectangle::new([(x - half, sp.q1), (x + half, sp.q3)], c.mix(0.6).filled())
            }))
            .map_err(|e| e.to_string())?
            .label(*name)
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 6), (x + 16, y + 6)], c.mix(0.6).filled())
            });
        chart
            .draw_series(spreads.iter().map(|&(x, sp)| {
                PathElement::new(vec![(x, sp.min), (x, sp.max)], c.stroke_width(2))
            }))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(spreads.iter().map(|&(x, sp)| {
                PathElement::new(
                    vec![(x - half, sp.median), (x + half, sp.median)],
                    BLACK.stroke_width(2),
                )
            }))
            .map_err(|e| e.to_string())?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

/// The empirical distribution of frame times per engine, with the budget and the floor.
fn frames(root: &Area<'_>, report: &CompareReport, floor_ms: f64) -> DrawResult {
    let Some(game) = &report.game else {
        return Ok(());
    };
    const BUDGET: f64 = 16.6;
    let x_max = game
        .engines
        .iter()
        .flat_map(|r| r.frame_ms_samples.iter().copied())
        .chain([BUDGET, floor_ms])
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        * 1.08;
    // Room right of the budget line for its label.
    let x_max = x_max.max(BUDGET * 1.3);
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!(
                "Frame times, {} NPC coroutines (distribution per engine)",
                count(game.floor.npcs)
            ),
            (FONT, 22),
        )
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(0.0..x_max, 0.0..1.0)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("frame time (ms)")
        .y_desc("fraction of frames at most this long")
        .draw()
        .map_err(|e| e.to_string())?;
    for (i, row) in game.engines.iter().enumerate() {
        let mut sorted = row.frame_ms_samples.clone();
        sorted.sort_by(f64::total_cmp);
        let total = sorted.len().max(1) as f64;
        let mut points = vec![(sorted.first().copied().unwrap_or(0.0), 0.0)];
        points.extend(
            sorted
                .iter()
                .enumerate()
                .map(|(k, &v)| (v, (k + 1) as f64 / total)),
        );
        let c = color(i);
        chart
            .draw_series(LineSeries::new(points, c.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(format!(
                "{} (median {:.2} ms)",
                row.label, row.frame_ms.median
            ))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
    }
    for (label, x, c) in [
        ("16.6 ms budget (60 FPS)", BUDGET, RED),
        ("memory floor", floor_ms, BLACK),
    ] {
        chart
            .draw_series([PathElement::new(
                vec![(x, 0.0), (x, 1.0)],
                c.stroke_width(1),
            )])
            .map_err(|e| e.to_string())?;
        chart
            .draw_series([Text::new(label.to_owned(), (x, 0.04), (FONT, 14))])
            .map_err(|e| e.to_string())?;
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight)
}

/// Draws the series labels of `chart` in a framed box at `position`.
fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> DrawResult {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(position)
        .draw()
        .map_err(|e| e.to_string())
}
