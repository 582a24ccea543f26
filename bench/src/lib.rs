//! Shared helpers of the benchmark binaries: timing statistics, table printing, and cargo runs
//! on crates written into temporary directories.

#![warn(missing_docs)]

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

/// The version of the published `qapi` crate (with `qapi-qmp`) the benchmarks compare with.
pub const QAPI_VERSION: &str = "=0.15.0";

/// A `cargo` command (the one running the benchmark when known) working in `dir`, with its
/// own `target/` there: `CARGO_TARGET_DIR` of the caller is removed.
pub fn cargo_in(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("CARGO_TARGET_DIR");
    command
}

/// Runs `command`, capturing its output; an error naming the command and its directory when
/// it cannot start or fails (with its standard error).
///
/// # Errors
/// When cargo cannot be started or exits unsuccessfully.
pub fn run(command: &mut Command) -> Result<Output, Box<dyn std::error::Error>> {
    let output = command.output()?;
    if !output.status.success() {
        let args: Vec<_> = command.get_args().map(|a| a.to_string_lossy()).collect();
        let dir = command.get_current_dir().unwrap_or(Path::new("."));
        return Err(format!(
            "cargo {} failed in {}:\n{}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(output)
}

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
