//! Captures of QEMU 7.2's and 10.0.2's aarch64 emulator in a row, each starting the program
//! and connecting while it starts (the moment QEMU 7.2 sometimes sends `RESUME` before its
//! greeting, and the socket file exists before QEMU listens): every one must succeed.
//!
//! `QMP_CAPTURE_REPEAT` sets the number per release (default 5; the reliability figure is
//! measured with 300). Captures whose client had to connect again during the handshake (see
//! `ClientConfig::negotiation_patience`) succeed, and are listed in the summary line.

use std::time::{Duration, Instant};

use qmp_build_tools::capture::{capture, ProgramKind, Source};
use qmp_testkit::Release;

#[test]
fn repeated_captures_of_the_aarch64_emulators_all_succeed() {
    let runs: usize = std::env::var("QMP_CAPTURE_REPEAT")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(5);
    for release in Release::ALL {
        let source = Source::Binary {
            path: release.binary("qemu-system-aarch64"),
            kind: ProgramKind::System,
            args: Vec::new(),
        };
        let started = Instant::now();
        let mut failures = Vec::new();
        let mut reconnected = Vec::new();
        for run in 0..runs {
            match capture(&source, Duration::from_secs(30)) {
                Ok(captured) => {
                    assert_eq!(captured.target, "aarch64");
                    assert_eq!(captured.version_triple, release.version());
                    if captured.handshake_reconnects > 0 {
                        reconnected.push(format!("run {run}: {}", captured.handshake_reconnects));
                    }
                }
                Err(error) => failures.push(format!("run {run}: {error}")),
            }
        }
        eprintln!(
            "QEMU {} aarch64: {runs} captures, {} failures, {:.1} s; connected again during \
             the handshake in {} of them [{}]",
            release.version(),
            failures.len(),
            started.elapsed().as_secs_f64(),
            reconnected.len(),
            reconnected.join(", ")
        );
        assert!(failures.is_empty(), "{release:?}:\n{}", failures.join("\n"));
    }
}
