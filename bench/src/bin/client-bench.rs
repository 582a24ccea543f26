//! Client round-trip benchmark (issue #3). Against one real QEMU 10.0.2 (`-machine none`, OOB
//! negotiated by every client), prints round trips per second of `query-status` for:
//! - a minimal raw Rust socket client (writes requests, reads response lines; the physical
//!   baseline: it pipelines as many requests as there are callers),
//! - our client (`qmp_types::client::Client`, typed `execute` from that many tasks),
//! - the Python `qemu.qmp` client (`pip install qemu.qmp`; skipped with a note if missing),
//!
//! sequentially and with 8 and 64 concurrent callers; then the heap and RSS cost per idle
//! connection of our client with 100 connections open (one QEMU with 100 QMP monitors).
//!
//! Run with `cargo run --release -p qmp-bench --bin client-bench`.
//! Target: ours ≥ 0.95 × raw at every concurrency.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use qmp_testkit::{QemuProcess, Release};
use qmp_types::client::{Client, ClientConfig};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

/// Counts live heap bytes, to measure memory per idle connection.
struct CountingAllocator;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator and only adds counting.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const COMMANDS: usize = 20_000;
const ROUNDS: usize = 3;
const CONCURRENCY: [usize; 3] = [1, 8, 64];
const IDLE_CONNECTIONS: usize = 100;

#[derive(qmp_types::serde::Serialize, qmp_types::Command)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "query-status", returns = StatusInfo)]
struct QueryStatus {}

#[derive(qmp_types::serde::Deserialize)]
#[serde(crate = "qmp_types::serde")]
#[allow(dead_code)] // decoded to measure the real cost of a typed answer; not read
struct StatusInfo {
    running: bool,
    status: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let qemu = QemuProcess::system_none(Release::V10_0);
    let socket = qemu.socket();

    // Rounds alternate between the two clients so that load from elsewhere on the machine
    // hits both alike; each keeps its best round.
    let mut rows = Vec::new();
    for concurrency in CONCURRENCY {
        let (mut raw, mut ours) = (0.0f64, 0.0f64);
        for _ in 0..ROUNDS {
            raw = raw.max(raw_client(socket, concurrency).await?);
            ours = ours.max(our_client(socket, concurrency).await?);
        }
        rows.push((concurrency, raw, ours));
    }
    let python = python_client(socket);

    println!("## QMP round trips per second, QEMU 10.0.2 `-machine none`, OOB negotiated, {COMMANDS} × query-status, best of {ROUNDS} alternating rounds (Python: one round)\n");
    println!("| callers | raw Rust socket (baseline) | qmp-types client | ratio ours/raw | Python qemu.qmp | ratio ours/Python |");
    println!("|---|---|---|---|---|---|");
    for (concurrency, raw, ours) in &rows {
        let py = python
            .as_ref()
            .ok()
            .and_then(|p| p.get(&concurrency.to_string()).and_then(|v| v.as_f64()));
        println!(
            "| {} | {:.0} | {:.0} | {:.3} | {} | {} |",
            if *concurrency == 1 {
                "1 (sequential)".to_owned()
            } else {
                concurrency.to_string()
            },
            raw,
            ours,
            ours / raw,
            py.map_or("n/a".to_owned(), |p| format!("{p:.0}")),
            py.map_or("n/a".to_owned(), |p| format!("{:.2}", ours / p)),
        );
    }
    if let Err(why) = &python {
        println!("\nPython qemu.qmp not measured: {why}");
    }
    let all_met = rows.iter().all(|(_, raw, ours)| ours / raw >= 0.95);
    println!(
        "\ntarget ours ≥ 0.95 × raw at every concurrency: {}",
        if all_met { "met" } else { "NOT met" }
    );
    drop(qemu);

    idle_memory().await?;
    Ok(())
}

/// The physical baseline: newline-delimited requests with a window of `concurrency`
/// outstanding, responses read as lines and not decoded beyond finding their end.
async fn raw_client(socket: &Path, concurrency: usize) -> Result<f64, Box<dyn std::error::Error>> {
    let stream = UnixStream::connect(socket).await?;
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut line = String::new();
    lines.read_line(&mut line).await?; // greeting
    write
        .write_all(b"{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":[\"oob\"]}}\n")
        .await?;
    line.clear();
    lines.read_line(&mut line).await?;

    let start = Instant::now();
    let mut sent = 0;
    let mut received = 0;
    while received < COMMANDS {
        let mut batch = Vec::new();
        while sent < COMMANDS && sent - received < concurrency {
            batch.extend_from_slice(
                format!("{{\"execute\":\"query-status\",\"id\":{sent}}}\n").as_bytes(),
            );
            sent += 1;
        }
        if !batch.is_empty() {
            write.write_all(&batch).await?;
        }
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Err("QEMU closed the connection".into());
        }
        if line.contains("\"return\"") {
            received += 1;
        }
    }
    Ok(COMMANDS as f64 / start.elapsed().as_secs_f64())
    // Dropping the stream closes the connection; QEMU then accepts the next client.
}

/// Our client: `concurrency` tasks sharing one connection, each awaiting its typed answer.
async fn our_client(socket: &Path, concurrency: usize) -> Result<f64, Box<dyn std::error::Error>> {
    let client = Client::connect_unix(socket, ClientConfig::default()).await?;
    assert!(client.oob_enabled(), "QEMU 10.0.2 offers OOB");
    let per_task = COMMANDS / concurrency;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..per_task {
                client.execute(&QueryStatus {}).await?;
            }
            Ok::<_, qmp_types::client::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok((per_task * concurrency) as f64 / start.elapsed().as_secs_f64())
}

/// Runs `python/qmp_bench.py` (qemu.qmp) against the same QEMU.
fn python_client(socket: &Path) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/qmp_bench.py");
    let mut command = std::process::Command::new("python3");
    command.arg(script).arg(socket).arg(COMMANDS.to_string());
    command.args(CONCURRENCY.iter().map(|c| c.to_string()));
    let output = command
        .output()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
    }
    serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())
}

/// Opens `IDLE_CONNECTIONS` negotiated connections (one QEMU, one QMP monitor each) and
/// reports live heap bytes and resident memory per connection.
async fn idle_memory() -> Result<(), Box<dyn std::error::Error>> {
    let release = Release::V10_0;
    let qemu = QemuProcess::spawn(&release.binary("qemu-system-x86_64"), |socket| {
        let mut args: Vec<String> = ["-machine", "none", "-nodefaults", "-display", "none"]
            .map(String::from)
            .to_vec();
        for n in 0..IDLE_CONNECTIONS {
            args.push("-qmp".into());
            args.push(format!("unix:{}.{n},server=on,wait=off", socket.display()));
        }
        // The last monitor's socket doubles as the one QemuProcess waits for.
        args.push("-qmp".into());
        args.push(format!("unix:{},server=on,wait=off", socket.display()));
        args
    });
    let heap_before = LIVE_BYTES.load(Ordering::Relaxed);
    let rss_before = rss_bytes();
    let mut clients = Vec::new();
    for n in 0..IDLE_CONNECTIONS {
        let path = format!("{}.{n}", qemu.socket().display());
        clients.push(Client::connect_unix(path, ClientConfig::default()).await?);
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let heap = LIVE_BYTES
        .load(Ordering::Relaxed)
        .saturating_sub(heap_before);
    let rss = rss_bytes().saturating_sub(rss_before);
    println!("\n## Memory per idle connection ({IDLE_CONNECTIONS} negotiated connections open)\n");
    println!("| measure | total | per connection |");
    println!("|---|---|---|");
    println!(
        "| live heap (counting allocator) | {} KiB | {:.1} KiB |",
        heap / 1024,
        heap as f64 / 1024.0 / IDLE_CONNECTIONS as f64
    );
    println!(
        "| resident set growth | {} KiB | {:.1} KiB |",
        rss / 1024,
        rss as f64 / 1024.0 / IDLE_CONNECTIONS as f64
    );
    drop(clients);
    Ok(())
}

/// The process's resident set size, from `/proc/self/statm`.
fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<usize>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}
