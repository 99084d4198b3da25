//! The seed document's claims about memory per unit, beside what this run measured.

use super::model::Model;
use super::population::Population;

/// One claim of the seed and the measurement it is compared with.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ClaimRow {
    /// What the seed says, in its words (translated).
    pub claim: String,
    /// The seed's figure per unit, bytes.
    pub claimed_bytes_per_unit: f64,
    /// The seed's figure for 10,000 units, bytes.
    pub claimed_bytes_for_10k: f64,
    /// The model measured against it.
    pub model: Model,
    /// Measured resident bytes per unit (at the size nearest 10,000).
    pub measured_bytes_per_unit: f64,
    /// Units alive at that measurement.
    pub measured_at: u64,
    /// Measured bytes for 10,000 units (per unit x 10,000).
    pub measured_bytes_for_10k: f64,
    /// Claim over measurement.
    pub ratio: f64,
}

/// The seed's claims: (what it says, bytes per unit, the models it is about).
const CLAIMS: &[(&str, f64, &[Model])] = &[
    (
        "a thread costs 8 MB of stack (10,000 threads = 80 GB)",
        8.0 * 1024.0 * 1024.0,
        &[Model::Thread],
    ),
    (
        "a coroutine costs a few hundred bytes to a few KB (10,000 coroutines ~ 10 MB, 1 KB each)",
        1024.0,
        &[Model::CppCoroutine, Model::RustCorobridge, Model::RustTokio],
    ),
    (
        "a goroutine (a small growable stack) costs 2 KB (10,000 = 20 MB)",
        2048.0,
        &[Model::FiberRust, Model::FiberCpp],
    ),
];

/// The claims beside the populations measured (a claim's rows are left out when none of
/// its models was measured).
pub fn compare(populations: &[(Model, Population)]) -> Vec<ClaimRow> {
    let mut rows = Vec::new();
    for &(claim, bytes, models) in CLAIMS {
        for (model, population) in populations.iter().filter(|(m, _)| models.contains(m)) {
            let Some(point) = population
                .points
                .iter()
                .min_by_key(|p| p.reached.abs_diff(10_000))
            else {
                continue;
            };
            let measured = point.resident_bytes_per_unit;
            rows.push(ClaimRow {
                claim: claim.to_owned(),
                claimed_bytes_per_unit: bytes,
                claimed_bytes_for_10k: bytes * 10_000.0,
                model: *model,
                measured_bytes_per_unit: measured,
                measured_at: point.reached,
                measured_bytes_for_10k: measured * 10_000.0,
                ratio: bytes / measured,
            });
        }
    }
    rows
}
