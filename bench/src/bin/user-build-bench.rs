//! The user's build (issue #9): what a program using QMP costs its author to build, ours against
//! the same program written with `qapi` 0.15 (and `qapi-qmp`), measured in one run.
//!
//! The program is a small VM manager: connect to a QMP socket, `query-status`, `stop` and wait
//! for `STOP`, `cont` and wait for `RESUME`, `query-block`. Ours follows the README's
//! recommended layout, written into a temporary workspace: a bindings crate (`build.rs` with
//! `Config::bundled_schema`, `src/lib.rs` with `pub mod qmp { include!(..) }`) and the program,
//! a binary crate depending on it and on `qmp-types` (blocking client). Two variants of the
//! bindings crate: pruned to what the program uses (`only_commands` / `only_events`, as the
//! README recommends), and every command and event. `qapi`'s is one binary crate.
//!
//! Each is built cold (its own empty `target/`, offline, the dev profile with
//! `split-debuginfo = "unpacked"` for both, as the README recommends), counting the
//! crates compiled and the warnings, three times in rounds whose order rotates (the machine's
//! load drifts); then `src/main.rs` is edited (a comment line appended) and rebuilt, seven
//! times. Targets: cold build ≤ `qapi`'s, rebuild after editing `main.rs`
//! ≤ 1 s, zero warnings.
//!
//! Run with `cargo run --release -p qmp-bench --bin user-build-bench` (no network: every
//! dependency, `qapi` included, must be in the local registry cache).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use qmp_bench::{cargo_in, run, secs, Stats, QAPI_VERSION};

/// The dev profile of both workspaces, as the README recommends: debug info stays beside the
/// objects (`.dwo`, still read by debuggers), so linking after an edit does not copy it.
const DEV_PROFILE: &str = "\n[profile.dev]\nsplit-debuginfo = \"unpacked\"\n";

/// How many cold builds each program gets (the order rotating between rounds).
const COLD_ROUNDS: usize = 3;

/// How many times `main.rs` is edited and rebuilt.
const EDITS: usize = 7;

/// The program with our bindings and blocking client.
const OUR_MAIN: &str = r#"//! A small VM manager: status, stop/cont with their events, block devices.

use std::error::Error;
use std::time::Duration;

use qmp_types::blocking::{Client, Events};
use qmp_types::client::ClientConfig;
use vm_bindings::qmp;

/// Waits (at most 10 s) for an event `wanted` accepts.
fn wait_for(events: &mut Events<qmp::Event>, wanted: fn(&qmp::Event) -> bool) -> Result<(), Box<dyn Error>> {
    loop {
        match events.recv_timeout(Duration::from_secs(10))? {
            Some(Ok(received)) if wanted(&received.event) => return Ok(()),
            Some(Ok(_)) => {}
            Some(Err(error)) => return Err(error.into()),
            None => return Err("no event within 10 s".into()),
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let socket = std::env::args().nth(1).ok_or("usage: vm-manager QMP_SOCKET")?;
    let client = Client::connect_unix(&socket, ClientConfig::default())?;
    let mut events = client.events::<qmp::Event>();
    let status = client.execute(&qmp::QueryStatus::new())?;
    println!("status: {} (running: {})", status.status, status.running);
    client.execute(&qmp::Stop::new())?;
    wait_for(&mut events, |event| matches!(event, qmp::Event::Stop(_)))?;
    client.execute(&qmp::Cont::new())?;
    wait_for(&mut events, |event| matches!(event, qmp::Event::Resume(_)))?;
    for block in client.execute(&qmp::QueryBlock::new())? {
        println!("block {}: {}", block.device, block.qdev.as_deref().unwrap_or("-"));
    }
    Ok(())
}
"#;

/// The same program with `qapi` 0.15 (synchronous `Qmp` over a Unix stream).
const QAPI_MAIN: &str = r#"//! A small VM manager: status, stop/cont with their events, block devices.

use std::error::Error;
use std::io::{BufRead, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use qapi::{qmp, Qmp};

/// Waits (at most 10 s) for an event `wanted` accepts, polling with `query-version`.
fn wait_for<S: BufRead + Write>(qmp: &mut Qmp<S>, wanted: fn(&qmp::Event) -> bool) -> Result<(), Box<dyn Error>> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if qmp.events().any(|event| wanted(&event)) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err("no event within 10 s".into());
        }
        std::thread::sleep(Duration::from_millis(10));
        qmp.nop()?;
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let socket = std::env::args().nth(1).ok_or("usage: vm-manager QMP_SOCKET")?;
    let stream = UnixStream::connect(&socket)?;
    let mut qmp = Qmp::from_stream(&stream);
    qmp.handshake()?;
    let status = qmp.execute(&qmp::query_status {})?;
    println!("status: {:?} (running: {})", status.status, status.running);
    qmp.execute(&qmp::stop {})?;
    wait_for(&mut qmp, |event| matches!(event, qmp::Event::STOP { .. }))?;
    qmp.execute(&qmp::cont {})?;
    wait_for(&mut qmp, |event| matches!(event, qmp::Event::RESUME { .. }))?;
    for block in qmp.execute(&qmp::query_block {})? {
        println!("block {}: {}", block.device, block.qdev.as_deref().unwrap_or("-"));
    }
    Ok(())
}
"#;

/// What one build of one program cost.
struct Measured {
    /// Wall times of the cold builds.
    cold: Stats,
    /// Crates the cold build compiled (its `Compiling` lines).
    crates: usize,
    /// Warnings of the cold build.
    warnings: usize,
    /// Rebuilds after editing `main.rs`.
    rebuilds: Stats,
    /// The most warnings any rebuild printed.
    rebuild_warnings: usize,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()?;
    let scratch = tempfile::Builder::new()
        .prefix("qmp-user-build-bench-")
        .tempdir()?;
    let pruned = write_ours(&scratch.path().join("ours-pruned"), &workspace, true)?;
    let full = write_ours(&scratch.path().join("ours-full"), &workspace, false)?;
    let theirs = write_qapi(&scratch.path().join("qapi"))?;

    let programs = [
        ("qmp-rs, README layout, pruned bindings", &pruned),
        ("qmp-rs, README layout, every command", &full),
        ("qapi 0.15 + qapi-qmp (baseline)", &theirs),
    ];
    // Cold builds in rounds, the order rotating, so that a change of load during the run
    // favours no program.
    let mut colds: Vec<Vec<Duration>> = vec![Vec::new(); programs.len()];
    let mut logs = vec![String::new(); programs.len()];
    for round in 0..COLD_ROUNDS {
        for offset in 0..programs.len() {
            let index = (round + offset) % programs.len();
            let (label, dir) = programs[index];
            eprintln!("round {round}: building {label} cold in {}", dir.display());
            let target = dir.join("target");
            if target.exists() {
                std::fs::remove_dir_all(&target)?;
            }
            let (time, log) = build(dir)?;
            colds[index].push(time);
            logs[index] = log;
        }
    }
    let mut rows = Vec::new();
    for (((label, dir), cold), log) in programs.into_iter().zip(colds).zip(logs) {
        eprintln!("rebuilding {label} after edits");
        rows.push((label, measure(dir, &cold, &log)?));
    }

    println!("## The user's build: a small VM manager, cold debug build and rebuild after editing main.rs\n");
    println!("| program | cold build (median, min of {COLD_ROUNDS}) | crates compiled | warnings | rebuild after editing main.rs (median, min of {EDITS}) | warnings |");
    println!("|---|---|---|---|---|---|");
    for (label, m) in &rows {
        println!(
            "| {label} | {}, {} | {} | {} | {}, {} | {} |",
            secs(m.cold.median),
            secs(m.cold.min),
            m.crates,
            m.warnings,
            secs(m.rebuilds.median),
            secs(m.rebuilds.min),
            m.rebuild_warnings
        );
    }
    let baseline = &rows[2].1;
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    for (label, m) in &rows[..2] {
        println!(
            "\n{label}: cold ≤ qapi's (medians {} vs {}): {}; rebuild ≤ 1 s: {}; zero warnings: {}",
            secs(m.cold.median),
            secs(baseline.cold.median),
            verdict(m.cold.median <= baseline.cold.median),
            verdict(m.rebuilds.median <= Duration::from_secs(1)),
            verdict(m.warnings + m.rebuild_warnings == 0),
        );
    }
    Ok(())
}

/// Edits `src/main.rs` of the program in `dir` (built cold in `cold` time, with `log`) and
/// rebuilds, [`EDITS`] times.
fn measure(
    dir: &Path,
    cold: &[Duration],
    log: &str,
) -> Result<Measured, Box<dyn std::error::Error>> {
    let main_rs = program_main(dir);
    let mut rebuilds = Vec::new();
    let mut rebuild_warnings = 0;
    for edit in 0..EDITS {
        let mut text = std::fs::read_to_string(&main_rs)?;
        text.push_str(&format!("// edit {edit}\n"));
        std::fs::write(&main_rs, text)?;
        let (time, log) = build(dir)?;
        rebuilds.push(time);
        rebuild_warnings = rebuild_warnings.max(count_warnings(&log));
    }
    Ok(Measured {
        cold: Stats::of(cold).ok_or("no cold build")?,
        crates: log
            .lines()
            .filter(|l| l.trim_start().starts_with("Compiling "))
            .count(),
        warnings: count_warnings(log),
        rebuilds: Stats::of(&rebuilds).ok_or("no rebuild")?,
        rebuild_warnings,
    })
}

/// One `cargo build` (offline, one line per diagnostic): its wall time and standard error.
fn build(dir: &Path) -> Result<(Duration, String), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let output = run(&mut cargo_in(
        dir,
        &["build", "--offline", "--message-format=short"],
    ))?;
    let time = start.elapsed();
    Ok((time, String::from_utf8_lossy(&output.stderr).into_owned()))
}

/// The warnings in a build log (`file:line:col: warning: ...`; not cargo's summary lines).
fn count_warnings(log: &str) -> usize {
    log.lines().filter(|l| l.contains(": warning: ")).count()
}

/// The program's `main.rs` in a written workspace.
fn program_main(dir: &Path) -> PathBuf {
    dir.join("vm-manager/src/main.rs")
}

/// Writes our program in the README's layout: a workspace with `vm-bindings` (its `build.rs`
/// generating from the bundled 10.0.2 schema, pruned or not) and `vm-manager`.
fn write_ours(dir: &Path, workspace: &Path, pruned: bool) -> std::io::Result<PathBuf> {
    let path = |crate_dir: &str| format!("{:?}", workspace.join(crate_dir).display().to_string());
    let selection = if pruned {
        "\n        .only_commands([\"query-status\", \"stop\", \"cont\", \"query-block\"])\
         \n        .only_events([\"STOP\", \"RESUME\"])"
    } else {
        ""
    };
    let files = [
        (
            "Cargo.toml",
            format!(
                "[workspace]\nmembers = [\"vm-bindings\", \"vm-manager\"]\nresolver = \"2\"\n\
                 {DEV_PROFILE}"
            ),
        ),
        (
            "vm-bindings/Cargo.toml",
            format!(
                "[package]\nname = \"vm-bindings\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                 [dependencies]\nqmp-types = {{ path = {}, default-features = false }}\n\n\
                 [build-dependencies]\nqmp-build-tools = {{ path = {} }}\n",
                path("qmp-types"),
                path("build-tools")
            ),
        ),
        (
            "vm-bindings/build.rs",
            format!(
                "fn main() -> Result<(), qmp_build_tools::Error> {{\n    \
                 qmp_build_tools::Config::new()\n        \
                 .bundled_schema(\"qemu-10.0.2-x86_64.json\"){selection}\n        \
                 .write()?;\n    Ok(())\n}}\n"
            ),
        ),
        (
            "vm-bindings/src/lib.rs",
            "//! Typed QMP bindings, generated by build.rs.\n\n\
             /// QEMU 10.0.2's commands, events and types.\npub mod qmp {\n    \
             include!(concat!(env!(\"OUT_DIR\"), \"/qmp.rs\"));\n}\n"
                .to_owned(),
        ),
        (
            "vm-manager/Cargo.toml",
            format!(
                "[package]\nname = \"vm-manager\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                 [dependencies]\nqmp-types = {{ path = {} }}\nvm-bindings = {{ path = \"../vm-bindings\" }}\n",
                path("qmp-types")
            ),
        ),
        ("vm-manager/src/main.rs", OUR_MAIN.to_owned()),
    ];
    write_files(dir, &files)?;
    Ok(dir.to_owned())
}

/// Writes the `qapi` program: a workspace with the one crate `vm-manager`.
fn write_qapi(dir: &Path) -> std::io::Result<PathBuf> {
    let files = [
        (
            "Cargo.toml",
            format!("[workspace]\nmembers = [\"vm-manager\"]\nresolver = \"2\"\n{DEV_PROFILE}"),
        ),
        (
            "vm-manager/Cargo.toml",
            format!(
                "[package]\nname = \"vm-manager\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                 [dependencies]\nqapi = {{ version = \"{QAPI_VERSION}\", features = [\"qmp\"] }}\n"
            ),
        ),
        ("vm-manager/src/main.rs", QAPI_MAIN.to_owned()),
    ];
    write_files(dir, &files)?;
    Ok(dir.to_owned())
}

/// Writes `files` (paths relative to `dir`), creating directories.
fn write_files(dir: &Path, files: &[(&str, String)]) -> std::io::Result<()> {
    for (name, text) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(())
}
