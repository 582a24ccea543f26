//! Start-up of `qmp-shell` against one real QEMU 10.0.2 (`-machine none`): from nothing to
//! the first prompt, with the schema fetched, decoded and indexed (target ≤ 200 ms), also
//! with QEMU's reference manual read and matched for `help`, next to
//! baselines measured in the same run: the bare connect + handshake, and the same plus the
//! raw `query-qmp-schema` answer (not decoded).
//!
//! Run: `cargo bench -p qmp-shell --bench startup`. Every measure connects anew to the same
//! QEMU (its monitor serves one client at a time, one after the other).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use qmp_shell::docs::Docs;
use qmp_shell::output::Layout;
use qmp_shell::session::{Session, Settings, Target};
use qmp_testkit::{QemuProcess, Release};
use qmp_types::client::{Client, ClientConfig};

const RUNS: usize = 30;

/// Median and minimum of `RUNS` timings of `measure`, after one warm-up run.
fn timings(mut measure: impl FnMut() -> Duration) -> (Duration, Duration) {
    measure();
    let mut all: Vec<Duration> = (0..RUNS).map(|_| measure()).collect();
    all.sort();
    (all[RUNS / 2], all[0])
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

fn main() {
    // `cargo test --all-targets` also runs benchmark binaries (without `--bench`): a debug
    // build's figures mean nothing, so only `cargo bench` measures.
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("startup: measured by `cargo bench -p qmp-shell --bench startup` only");
        return;
    }
    let qemu = QemuProcess::system_none(Release::V10_0);
    let socket = qemu.socket().to_owned();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime");

    let handshake = timings(|| {
        runtime.block_on(async {
            let start = Instant::now();
            let client = Client::connect_unix(&socket, ClientConfig::default())
                .await
                .expect("connect");
            let elapsed = start.elapsed();
            drop(client);
            elapsed
        })
    });
    let raw_schema = timings(|| {
        runtime.block_on(async {
            let start = Instant::now();
            let client = Client::connect_unix(&socket, ClientConfig::default())
                .await
                .expect("connect");
            let schema = client
                .execute_raw("query-qmp-schema", None)
                .await
                .expect("schema");
            let elapsed = start.elapsed();
            assert!(schema.is_array());
            elapsed
        })
    });
    let target = Target::Unix(socket.clone());
    let session = timings(|| {
        runtime.block_on(async {
            let settings = Settings {
                timeout: None,
                layout: Layout::Pretty,
                log: None,
                docs: Docs::default(),
                reference: None,
            };
            let start = Instant::now();
            let session = Session::open(&target, settings).await.expect("session");
            let elapsed = start.elapsed();
            assert!(session.schema().commands().len() > 100);
            elapsed
        })
    });
    let history = tempfile::NamedTempFile::new().expect("history file");
    let manual = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../schemas/qemu-10.0.2-x86_64.ref.7.gz");
    let process_with = |extra: &[&std::ffi::OsStr]| {
        timings(|| {
            let start = Instant::now();
            let mut shell = Command::new(env!("CARGO_BIN_EXE_qmp-shell"))
                .arg("--history")
                .arg(history.path())
                .args(extra)
                .arg(&socket)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("qmp-shell starts");
            let stdout = shell.stdout.take().expect("piped stdout");
            let mut lines = BufReader::new(stdout).lines();
            // The greeting's last line; the prompt follows at once.
            let ready = lines
                .by_ref()
                .map_while(Result::ok)
                .any(|line| line.starts_with("Schema: "));
            let elapsed = start.elapsed();
            assert!(ready, "qmp-shell printed no greeting");
            let mut stdin = shell.stdin.take().expect("piped stdin");
            stdin.write_all(b"exit\n").expect("exit");
            drop(stdin);
            let status = shell.wait().expect("qmp-shell exits");
            assert!(status.success(), "qmp-shell: {status}");
            elapsed
        })
    };
    let process = process_with(&[]);
    let with_manual = process_with(&["--reference".as_ref(), manual.as_os_str()]);

    println!("qmp-shell start-up against QEMU 10.0.2 (-machine none), {RUNS} runs each");
    println!();
    println!("| measure | median | min |");
    println!("|---|---|---|");
    for (name, (median, min)) in [
        (
            "baseline: connect + handshake (qmp-types client)",
            handshake,
        ),
        (
            "baseline: connect + handshake + query-qmp-schema (raw JSON)",
            raw_schema,
        ),
        (
            "Session::open: + schema decoded and indexed (in process)",
            session,
        ),
        (
            "qmp-shell process: exec → greeting, prompt next (target ≤ 200 ms)",
            process,
        ),
        (
            "qmp-shell process with QEMU's manual read and matched (target ≤ 200 ms)",
            with_manual,
        ),
    ] {
        println!("| {name} | {} | {} |", ms(median), ms(min));
    }
}
