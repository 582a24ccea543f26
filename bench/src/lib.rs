//! Shared helpers of the benchmark binaries: timing statistics and table printing.

#![warn(missing_docs)]

use std::time::Duration;

/// Summary statistics of repeated timings.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    /// The fastest run.
    pub min: Duration,
    /// The median run.
    pub median: Duration,
}

impl Stats {
    /// Computes the statistics of `samples`; `None` when there are none.
    pub fn of(samples: &[Duration]) -> Option<Stats> {
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        Some(Stats {
            min: *sorted.first()?,
            median: sorted[sorted.len() / 2],
        })
    }
}

/// Formats a duration in milliseconds with one decimal.
pub fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

/// Formats a duration in seconds with two decimals.
pub fn secs(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}
