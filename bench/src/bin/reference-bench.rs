//! Reference-manual benchmark (issue #8): time to read each manual bundled in the repository
//! (gunzip, roff, both layouts, Markdown) next to a baseline measured in the same run: only
//! decompressing the same file and checking it is UTF-8. `generate` with a reference has a
//! budget of 150 ms in all, so reading the 10.0.2 manual should take a few milliseconds.
//!
//! Run with `cargo run --release -p qmp-bench --bin reference-bench`.

use std::io::Read;
use std::path::Path;
use std::time::Instant;

use qmp_bench::{ms, Stats};

const RUNS: usize = 20;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let manuals = [
        "schemas/qemu-7.2.22-x86_64.ref.7.gz",
        "schemas/qemu-10.0.2-x86_64.ref.7.gz",
        "build-tools/tests/fixtures/manuals/qemu-storage-daemon-10.0.2.ref.7.gz",
        "schemas/guest-agent/qemu-ga-10.0.2.ref.7.gz",
    ];
    println!("## Reading QEMU's reference manuals ({RUNS} runs, release build)\n");
    println!("| manual | definitions | baseline: gunzip + UTF-8 (median) | reference::read (min) | reference::read (median) |");
    println!("|---|---|---|---|---|");
    for manual in manuals {
        let path = workspace.join(manual);
        let mut baseline = Vec::with_capacity(RUNS);
        let mut reading = Vec::with_capacity(RUNS);
        let mut definitions = 0;
        for _ in 0..RUNS {
            let start = Instant::now();
            let bytes = std::fs::read(&path)?;
            let mut text = String::new();
            flate2::read::GzDecoder::new(bytes.as_slice()).read_to_string(&mut text)?;
            std::hint::black_box(text);
            baseline.push(start.elapsed());

            let start = Instant::now();
            let parsed = qmp_build_tools::reference::read(&path)?;
            reading.push(start.elapsed());
            definitions = parsed.definitions.len();
        }
        let none = "no runs";
        let baseline = Stats::of(&baseline).ok_or(none)?;
        let reading = Stats::of(&reading).ok_or(none)?;
        let name = Path::new(manual)
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        println!(
            "| {name} | {definitions} | {} | {} | {} |",
            ms(baseline.median),
            ms(reading.min),
            ms(reading.median)
        );
    }
    Ok(())
}
