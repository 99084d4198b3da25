//! `report.md`: the machine, every table, and the charts.

use super::charts::Chart;
use super::format::bytes;
use super::report::CompareReport;
use super::sections::tables;

/// The Markdown report for `report` with links to `charts` (in the same directory).
pub fn render(report: &CompareReport, charts: &[Chart]) -> String {
    let m = &report.machine;
    let mut out = format!(
        "# corobridge compare: coroutine models on this machine\n\n\
         Made by `{}` on {} in {:.1} s.\n\n\
         - CPU: {} ({} cores)\n- memory: {}\n- kernel: {}\n- rustc: {}\n- C++: {}\n\
         - build profile: {}\n- vm.max_map_count: {}\n\n",
        report.settings.command,
        m.date,
        report.wall_seconds,
        m.cpu,
        m.cores,
        bytes(m.memory_bytes as f64),
        m.kernel,
        m.rustc,
        m.cxx,
        m.profile,
        m.max_map_count,
    );
    if report.settings.quick {
        out.push_str(
            "**`--quick`: a smoke test with small batches and populations; the figures are \
             coarse.**\n\n",
        );
    }
    if m.profile != "release" {
        out.push_str("**Debug build: a plumbing check, not a measure of speed.**\n\n");
    }
    out.push_str(
        "Every timed figure is the median of repeated measurements taken in alternation \
         with the other rows of its table (so that the slow spells of a shared machine hit \
         all rows alike), with its interquartile range and min–max. Compare ratios within \
         one report; absolute figures move with the machine.\n\n",
    );
    for table in tables(report) {
        out.push_str(&table.markdown());
        out.push('\n');
    }
    if !charts.is_empty() {
        out.push_str("## Charts\n\n");
        for chart in charts {
            out.push_str(&format!("![{}]({})\n\n", chart.title, chart.name));
        }
    }
    out
}
