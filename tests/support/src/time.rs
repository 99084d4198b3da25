//! Short spellings of durations for tests.

use std::time::Duration;

/// `n` milliseconds.
///
/// ```
/// assert_eq!(corobridge_testkit::ms(16), std::time::Duration::from_millis(16));
/// ```
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}
