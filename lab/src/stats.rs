//! Summaries of repeated measurements: the median with its spread.

/// The median of a set of samples with its spread (quartiles and extremes).
///
/// ```
/// use corobridge_lab::stats::Spread;
///
/// let spread = Spread::of(&[3.0, 1.0, 2.0, 5.0, 4.0]).unwrap();
/// assert_eq!(spread.median, 3.0);
/// assert_eq!((spread.min, spread.max), (1.0, 5.0));
/// assert_eq!((spread.q1, spread.q3), (2.0, 4.0));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Spread {
    /// The middle sample.
    pub median: f64,
    /// The first quartile.
    pub q1: f64,
    /// The third quartile.
    pub q3: f64,
    /// The smallest sample.
    pub min: f64,
    /// The largest sample.
    pub max: f64,
    /// How many samples.
    pub samples: usize,
}

impl Spread {
    /// Summarises `samples` (in any order); `None` when there are none or one is NaN.
    pub fn of(samples: &[f64]) -> Option<Self> {
        if samples.is_empty() || samples.iter().any(|s| s.is_nan()) {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
        Some(Self {
            median: at(0.5),
            q1: at(0.25),
            q3: at(0.75),
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            samples: sorted.len(),
        })
    }

    /// Every figure divided by `divisor` (for example a time per batch made per operation).
    pub fn scaled(self, divisor: f64) -> Self {
        Self {
            median: self.median / divisor,
            q1: self.q1 / divisor,
            q3: self.q3 / divisor,
            min: self.min / divisor,
            max: self.max / divisor,
            samples: self.samples,
        }
    }

    /// The spread as text: `median (q1–q3)`.
    pub fn text(&self, decimals: usize) -> String {
        format!(
            "{:.d$} ({:.d$}–{:.d$})",
            self.median,
            self.q1,
            self.q3,
            d = decimals
        )
    }
}
