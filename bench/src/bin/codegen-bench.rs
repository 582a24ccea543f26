//! Code generation benchmark (issues #2, #8). Prints, in one run:
//! - generation time of the bundled QEMU 10.0.2 schema, parse through formatting, without and
//!   with its reference manual (QEMU's names and docs: reading the gzip-compressed manual
//!   included), next to a baseline measured in the same run (parsing the same JSON into
//!   `serde_json::Value`);
//! - the debug build time of a crate holding our generated 10.0.2 bindings, with QEMU's docs,
//!   next to the build time
//!   of the published `qapi-qmp` crate (feature `qmp` of `qapi`), built the same way: all other
//!   dependencies are built first, then only the crate holding the bindings is cleaned and
//!   rebuilt, three times, keeping the fastest run.
//!
//! Run with `cargo run --release -p qmp-bench --bin codegen-bench` (needs crates.io access for
//! `qapi`). Targets: generation ≤ 100 ms without the manual and ≤ 150 ms with it; our
//! bindings (with docs) build in ≤ 0.5 × the time of `qapi-qmp`. Also (issue #11): generating
//! one module from 7.2.22 + 10.0.2 (≤ 2 × one release) and its build (≤ 1.25 × 10.0.2 alone).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use qmp_bench::{cargo_in, ms, run, secs, Stats, QAPI_VERSION};

const RUNS: usize = 20;
/// Builds of each crate holding bindings; the fastest counts.
const BUILDS: usize = 3;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let schema = workspace.join("schemas/qemu-10.0.2-x86_64.json");

    let (baseline, bare, generation, code) = time_generation(&schema)?;
    println!("## Code generation, QEMU 10.0.2 schema ({RUNS} runs, release build)\n");
    println!("| step | min | median |");
    println!("|---|---|---|");
    println!(
        "| baseline: JSON → serde_json::Value | {} | {} |",
        ms(baseline.min),
        ms(baseline.median)
    );
    println!(
        "| qmp-build-tools without manual: parse → format | {} | {} |",
        ms(bare.min),
        ms(bare.median)
    );
    println!(
        "| qmp-build-tools with manual: read manual, parse → format | {} | {} |",
        ms(generation.min),
        ms(generation.median)
    );
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    println!(
        "\ngenerated with manual: {} lines, {} bytes; targets: without manual ≤ 100 ms: {}, \
         with manual ≤ 150 ms: {}\n",
        code.lines().count(),
        code.len(),
        verdict(bare.median <= Duration::from_millis(100)),
        verdict(generation.median <= Duration::from_millis(150)),
    );

    // One module for both bundled releases (issue #11), each schema with its manual.
    let older = workspace.join("schemas/qemu-7.2.22-x86_64.json");
    let (merging, merged_code) = time_merge(&older, &schema)?;
    let merge_ratio = merging.median.as_secs_f64() / generation.median.as_secs_f64();
    println!(
        "## Merged generation, QEMU 7.2.22 + 10.0.2 with their manuals ({RUNS} runs)
"
    );
    println!("| step | min | median |");
    println!("|---|---|---|");
    println!(
        "| qmp-build-tools, two schemas → one module | {} | {} |",
        ms(merging.min),
        ms(merging.median)
    );
    println!(
        "
merged / one release with manual (medians): {merge_ratio:.2} (target ≤ 2.00: {})
",
        verdict(merge_ratio <= 2.0)
    );

    let scratch = tempfile::Builder::new()
        .prefix("qmp-build-bench-")
        .tempdir()?;
    let ours = write_our_crate(scratch.path(), "ours", &workspace, &code)?;
    let theirs = write_qapi_crate(scratch.path())?;
    let our_time = time_crate_build(&ours, "bindings")?;
    let their_time = time_crate_build(&theirs, "qapi-qmp")?;
    let their_lines = qapi_generated_lines(&theirs);

    println!(
        "## Debug build time of the crate holding the bindings (deps prebuilt, best of {BUILDS})\n"
    );
    println!("| crate | generated lines | build time |");
    println!("|---|---|---|");
    println!(
        "| ours: 10.0.2 bindings with QEMU's docs + qmp-types (no client feature) | {} | {} |",
        code.lines().count(),
        secs(our_time)
    );
    println!(
        "| qapi-qmp {QAPI_VERSION} (feature `qmp` of `qapi`) | {} | {} |",
        their_lines.map_or("?".into(), |n| n.to_string()),
        secs(their_time)
    );
    let merged = write_our_crate(scratch.path(), "merged", &workspace, &merged_code)?;
    let merged_time = time_crate_build(&merged, "bindings")?;
    println!(
        "| ours: 7.2.22 + 10.0.2 merged into one module | {} | {} |",
        merged_code.lines().count(),
        secs(merged_time)
    );
    let merged_ratio = merged_time.as_secs_f64() / our_time.as_secs_f64();
    println!(
        "\nratio merged / 10.0.2 alone: {merged_ratio:.2} (target ≤ 1.25: {})",
        if merged_ratio <= 1.25 {
            "met"
        } else {
            "NOT met"
        }
    );
    let ratio = our_time.as_secs_f64() / their_time.as_secs_f64();
    println!(
        "\nratio ours / qapi-qmp: {ratio:.2} (target ≤ 0.50: {})",
        if ratio <= 0.5 { "met" } else { "NOT met" }
    );
    Ok(())
}

/// Times, per run: the baseline, generation without the manual, generation with the manual
/// stored beside the schema; returns the statistics and the code generated with the manual.
fn time_generation(
    schema: &Path,
) -> Result<(Stats, Stats, Stats, String), Box<dyn std::error::Error>> {
    let mut baseline = Vec::with_capacity(RUNS);
    let mut bare = Vec::with_capacity(RUNS);
    let mut generation = Vec::with_capacity(RUNS);
    let mut code = String::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let text = std::fs::read_to_string(schema)?;
        let value: serde_json::Value = serde_json::from_str(&text)?;
        std::hint::black_box(value);
        baseline.push(start.elapsed());

        let start = Instant::now();
        let without = qmp_build_tools::Config::new()
            .schema(schema)
            .no_reference()
            .generate()?;
        bare.push(start.elapsed());
        std::hint::black_box(without);

        let start = Instant::now();
        code = qmp_build_tools::Config::new().schema(schema).generate()?;
        generation.push(start.elapsed());
    }
    if !code.contains("QEMU's reference manual") {
        return Err("the bundled manual beside the schema was not used".into());
    }
    let none = "no runs";
    Ok((
        Stats::of(&baseline).ok_or(none)?,
        Stats::of(&bare).ok_or(none)?,
        Stats::of(&generation).ok_or(none)?,
        code,
    ))
}

/// Times generating one module from `older` and `newer` (each with the manual beside it);
/// returns the statistics and the code.
fn time_merge(older: &Path, newer: &Path) -> Result<(Stats, String), Box<dyn std::error::Error>> {
    let mut runs = Vec::with_capacity(RUNS);
    let mut code = String::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        code = qmp_build_tools::Config::new()
            .schemas([older, newer])
            .generate()?;
        runs.push(start.elapsed());
    }
    Ok((Stats::of(&runs).ok_or("no runs")?, code))
}

fn write_our_crate(
    root: &Path,
    name: &str,
    workspace: &Path,
    code: &str,
) -> std::io::Result<PathBuf> {
    let dir = root.join(name);
    std::fs::create_dir_all(dir.join("src"))?;
    let qmp_types = workspace.join("qmp-types").canonicalize()?;
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"bindings\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
             [dependencies]\nqmp-types = {{ path = {:?}, default-features = false }}\n\n[workspace]\n",
            qmp_types.display().to_string()
        ),
    )?;
    std::fs::write(dir.join("src/bindings.rs"), code)?;
    std::fs::write(
        dir.join("src/lib.rs"),
        "//! Generated QMP bindings.\npub mod qmp {\n    include!(\"bindings.rs\");\n}\n",
    )?;
    Ok(dir)
}

fn write_qapi_crate(root: &Path) -> std::io::Result<PathBuf> {
    let dir = root.join("theirs");
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"theirs\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
             [dependencies]\nqapi = {{ version = \"{QAPI_VERSION}\", features = [\"qmp\"] }}\n\n[workspace]\n"
        ),
    )?;
    std::fs::write(dir.join("src/lib.rs"), "pub use qapi::qmp;\n")?;
    Ok(dir)
}

/// Builds `dir` once (all dependencies), then twice more after cleaning only `package`, and
/// returns the faster of the two package rebuilds.
fn time_crate_build(dir: &Path, package: &str) -> Result<Duration, Box<dyn std::error::Error>> {
    cargo(dir, &["build", "--quiet"])?;
    let mut best = Duration::MAX;
    for _ in 0..BUILDS {
        cargo(dir, &["clean", "--quiet", "-p", package])?;
        let start = Instant::now();
        cargo(dir, &["build", "--quiet"])?;
        best = best.min(start.elapsed());
    }
    Ok(best)
}

fn cargo(dir: &Path, args: &[&str]) -> Result<(), Box<dyn std::error::Error>> {
    run(cargo_in(dir, args).env("CARGO_INCREMENTAL", "0")).map(drop)
}

/// Counts the lines of the code `qapi-qmp`'s build script generated.
fn qapi_generated_lines(dir: &Path) -> Option<usize> {
    let build = dir.join("target/debug/build");
    let mut lines = 0;
    for entry in std::fs::read_dir(build).ok()?.flatten() {
        if !entry.file_name().to_string_lossy().starts_with("qapi-qmp-") {
            continue;
        }
        for file in std::fs::read_dir(entry.path().join("out"))
            .into_iter()
            .flatten()
            .flatten()
        {
            if file.path().extension().is_some_and(|e| e == "rs") {
                lines += std::fs::read_to_string(file.path()).ok()?.lines().count();
            }
        }
    }
    (lines > 0).then_some(lines)
}
