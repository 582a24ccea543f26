//! Round trips per second against one real QEMU 10.0.2 (`-machine none`, OOB negotiated):
//! a minimal raw socket client (the physical baseline), this crate's async and blocking
//! clients and the Python `qemu.qmp` client, each sequential and with 8 and 64 concurrent
//! callers (the raw client pipelines as many requests); plus the client's memory per idle
//! connection with 100 open.
//!
//! Run: `cargo bench -p qmp-types --bench roundtrips`. The clients take turns on the QMP
//! monitors of one QEMU process (a monitor serves one client at a time).
//!
//! The machine may be shared, so load changes during the run, within seconds. The figure that
//! counts is therefore not a ratio of two medians taken minutes apart but the median of
//! paired ratios: in each round every client runs a short burst of the same calls, back to
//! back, so that all see the same load and a load drift favours none (see [`paired_bursts`]
//! for what else had to be evened out). The table shows each client's median rate, its
//! median ratio to the raw client with the interquartile range, and its CPU time per call.
//!
//! Besides the clients users get, three runs explain the figures: the raw client kept to the
//! specification's eight requests in flight (at 64 callers it otherwise keeps 64; at 1 and 8
//! callers it is the raw client itself, so its ratio shows the bias left in the method), the
//! same raw client on tokio (what the runtime costs), and a sketch of the other blocking
//! design, where caller threads read the socket themselves (`roundtrips/leader_follower.rs`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use qmp_testkit::{QemuProcess, Release};
use qmp_types::client::{Client, ClientConfig};

#[path = "roundtrips/leader_follower.rs"]
mod leader_follower;

use leader_follower::LeaderFollower;

/// Counts live heap bytes, to measure the client's memory per connection exactly.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const IDLE_CONNECTIONS: usize = 100;
const COUNT: usize = 4_000;
/// Runs of `COUNT` calls for the figures that are not paired.
const ROUNDS: usize = 5;
/// Calls per burst (a multiple of every concurrency, so all callers do as many).
const BURST: usize = 512;
/// Rounds of paired bursts.
const BURST_ROUNDS: usize = 61;
const CONCURRENCY: [usize; 3] = [1, 8, 64];
const REQUEST: &str = "{\"execute\":\"query-status\"}\n";
/// The negotiation every client sends, enabling OOB as ours does.
const NEGOTIATE: &[u8] =
    b"{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":[\"oob\"]}}\n";
/// The in-band requests the specification lets a client keep in flight.
const MAX_IN_FLIGHT: usize = 8;

/// The request exactly as the client sends it: QMP recommends an id on every request once OOB
/// is enabled, and QEMU takes measurably longer per request with one, so the baseline that
/// counts sends the same bytes.
fn request_with_id(n: usize) -> String {
    format!("{{\"execute\":\"query-status\",\"id\":{n}}}\n")
}

fn monitor(dir: &Path, index: usize) -> PathBuf {
    dir.join(format!("m{index}.sock"))
}

fn start_qemu(monitors: usize) -> QemuProcess {
    let binary = Release::V10_0.binary("qemu-system-x86_64");
    QemuProcess::spawn(&binary, |socket| {
        let dir = socket.parent().expect("socket directory");
        let mut args: Vec<String> = ["-machine", "none", "-nodefaults", "-display", "none"]
            .map(String::from)
            .to_vec();
        // The testkit waits for `socket`, so it comes last: QEMU creates monitors in order.
        let paths = (0..monitors)
            .map(|i| monitor(dir, i))
            .chain([socket.to_path_buf()]);
        for path in paths {
            args.push("-qmp".into());
            args.push(format!("unix:{},server=on,wait=off", path.display()));
        }
        args
    })
}

/// The physical baseline: blocking socket, no JSON parsing beyond counting answer lines.
struct RawConnection {
    writer: UnixStream,
    reader: BufReader<UnixStream>,
    line: String,
}

impl RawConnection {
    /// Connects and negotiates OOB, as our client does.
    fn open(socket: &Path) -> RawConnection {
        let stream = UnixStream::connect(socket).expect("raw connect");
        let mut writer = stream.try_clone().expect("clone");
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line).expect("greeting");
        writer.write_all(NEGOTIATE).expect("negotiate");
        line.clear();
        reader.read_line(&mut line).expect("negotiation answer");
        RawConnection {
            writer,
            reader,
            line,
        }
    }

    /// `count` calls with `depth` requests kept in flight; returns calls per second.
    fn burst(&mut self, count: usize, depth: usize, with_ids: bool) -> f64 {
        let request = |n: usize| {
            if with_ids {
                request_with_id(n)
            } else {
                REQUEST.to_owned()
            }
        };
        let start = Instant::now();
        let initial = depth.min(count);
        let first: String = (0..initial).map(request).collect();
        self.writer
            .write_all(first.as_bytes())
            .expect("write requests");
        let mut sent = initial;
        for _ in 0..count {
            self.line.clear();
            self.reader.read_line(&mut self.line).expect("answer");
            assert!(self.line.starts_with("{\"return\""), "{}", self.line);
            if sent < count {
                self.writer
                    .write_all(request(sent).as_bytes())
                    .expect("write request");
                sent += 1;
            }
        }
        count as f64 / start.elapsed().as_secs_f64()
    }
}

/// A raw connection for one run of `count` calls.
fn raw_client(socket: &Path, count: usize, depth: usize, with_ids: bool) -> f64 {
    RawConnection::open(socket).burst(count, depth, with_ids)
}

/// The same raw client on tokio (to separate the runtime's cost from the client's).
struct RawTokioConnection {
    writer: tokio::net::unix::OwnedWriteHalf,
    reader: tokio::io::BufReader<tokio::net::unix::OwnedReadHalf>,
    line: String,
}

impl RawTokioConnection {
    async fn open(socket: &Path) -> RawTokioConnection {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
        let stream = tokio::net::UnixStream::connect(socket)
            .await
            .expect("raw connect");
        let (read, mut writer) = stream.into_split();
        let mut reader = tokio::io::BufReader::new(read);
        let mut line = String::new();
        reader.read_line(&mut line).await.expect("greeting");
        writer.write_all(NEGOTIATE).await.expect("negotiate");
        line.clear();
        reader
            .read_line(&mut line)
            .await
            .expect("negotiation answer");
        RawTokioConnection {
            writer,
            reader,
            line,
        }
    }

    /// `count` calls with `depth` requests kept in flight; returns calls per second.
    async fn burst(&mut self, count: usize, depth: usize) -> f64 {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
        let start = Instant::now();
        let initial = depth.min(count);
        let first: String = (0..initial).map(request_with_id).collect();
        self.writer
            .write_all(first.as_bytes())
            .await
            .expect("write");
        let mut sent = initial;
        for _ in 0..count {
            self.line.clear();
            self.reader.read_line(&mut self.line).await.expect("answer");
            if sent < count {
                self.writer
                    .write_all(request_with_id(sent).as_bytes())
                    .await
                    .expect("write request");
                sent += 1;
            }
        }
        count as f64 / start.elapsed().as_secs_f64()
    }
}

/// A raw tokio connection for one run of `count` calls.
async fn raw_tokio_client(socket: &Path, count: usize, depth: usize) -> f64 {
    RawTokioConnection::open(socket)
        .await
        .burst(count, depth)
        .await
}

async fn our_connection(socket: &Path) -> Client {
    let client = Client::connect_unix(socket, ClientConfig::default())
        .await
        .expect("connect");
    assert!(client.oob_enabled());
    client
}

/// `count` calls shared by `callers` concurrent tasks; returns calls per second.
async fn our_burst(client: &Client, count: usize, callers: usize) -> f64 {
    let per_caller = count / callers;
    let start = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                for _ in 0..per_caller {
                    client
                        .execute_raw("query-status", None)
                        .await
                        .expect("query-status");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("caller");
    }
    (per_caller * callers) as f64 / start.elapsed().as_secs_f64()
}

/// Drops our last handle and lets the driver see it go and close the socket, so that the
/// monitor can serve the next client (the driver only runs while this runtime is driven).
async fn close_ours(client: Client) {
    drop(client);
    tokio::time::sleep(Duration::from_millis(5)).await;
}

/// Our client for one run of `count` calls.
async fn our_client(socket: &Path, count: usize, callers: usize) -> f64 {
    let client = our_connection(socket).await;
    let rate = our_burst(&client, count, callers).await;
    close_ours(client).await;
    rate
}

fn python_client(socket: &Path, count: usize, callers: usize) -> Option<f64> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/qemu_qmp_roundtrips.py");
    let output = std::process::Command::new("python3")
        .arg(script)
        .arg(socket)
        .arg(count.to_string())
        .arg(callers.to_string())
        .output()
        .ok()?;
    if !output.status.success() {
        eprintln!(
            "qemu.qmp run failed (pip install qemu.qmp?): {}",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
        return None;
    }
    String::from_utf8_lossy(&output.stdout).trim().parse().ok()
}

fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// A QMP server thread that answers instantly (no QEMU): isolates the clients' own cost.
fn instant_server(path: &Path) -> std::thread::JoinHandle<()> {
    let listener = std::os::unix::net::UnixListener::bind(path).expect("bind");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let mut writer = stream.try_clone().expect("clone");
            let mut reader = BufReader::new(stream);
            let greeting = b"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 0, \"major\": 10}, \"package\": \"\"}, \"capabilities\": [\"oob\"]}}\r\n";
            if writer.write_all(greeting).is_err() {
                continue;
            }
            let mut line = String::new();
            loop {
                line.clear();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                let id = line
                    .find("\"id\":")
                    .map(|at| line[at + 5..].trim_end().trim_end_matches('}').to_owned());
                let answer = match id {
                    Some(id) => format!("{{\"return\": {{\"status\": \"running\", \"running\": true}}, \"id\": {id}}}\r\n"),
                    None => "{\"return\": {\"status\": \"running\", \"running\": true}}\r\n".to_owned(),
                };
                if writer.write_all(answer.as_bytes()).is_err() {
                    break;
                }
            }
        }
    })
}

fn median(values: &[f64]) -> f64 {
    quantile(values, 0.5)
}

/// The `q` quantile of `values` (nearest rank).
fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = (q * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank]
}

/// The clients of the paired bursts, in the order of their rows.
#[derive(Clone, Copy)]
enum Contender {
    /// The physical baseline, pipelining as many requests as there are callers.
    Raw,
    /// The raw client kept to the specification's eight requests in flight.
    RawSpecLimit,
    /// The raw client on tokio.
    RawTokio,
    /// This crate's async client.
    Ours,
    /// This crate's blocking client, one thread per caller.
    OursBlocking,
    /// The leader/follower sketch, one thread per caller.
    LeaderFollower,
}

impl Contender {
    const ALL: [Contender; 6] = [
        Contender::Raw,
        Contender::RawSpecLimit,
        Contender::RawTokio,
        Contender::Ours,
        Contender::OursBlocking,
        Contender::LeaderFollower,
    ];

    fn label(self) -> &'static str {
        match self {
            Contender::Raw => "raw",
            Contender::RawSpecLimit => "raw, at most 8 in flight",
            Contender::RawTokio => "raw tokio",
            Contender::Ours => "qmp-types async",
            Contender::OursBlocking => "qmp-types blocking",
            Contender::LeaderFollower => "leader/follower sketch",
        }
    }
}

/// What one client did over the paired bursts: its rate in each, and the process's CPU time
/// (all threads) spent in them.
#[derive(Default, Clone)]
struct Measured {
    rates: Vec<f64>,
    cpu_ticks: u64,
}

/// The process's CPU time so far (user and system, all threads), in clock ticks.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // The fields after the command name, which is in parentheses and may contain spaces.
    let after_name = stat.rfind(')').map_or("", |at| &stat[at + 1..]);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are the 14th and 15th fields, the 12th and 13th after the name.
    let tick = |index: usize| {
        fields
            .get(index)
            .and_then(|field| field.parse::<u64>().ok())
    };
    tick(11).unwrap_or(0) + tick(12).unwrap_or(0)
}

/// Clock ticks per second (`sysconf(_SC_CLK_TCK)`, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

/// `count` calls shared by `callers` threads; returns calls per second. The clock starts when
/// every thread is ready, so thread start-up is not counted.
fn threaded_burst(count: usize, callers: usize, call: &(dyn Fn() + Sync)) -> f64 {
    let per_caller = count / callers;
    let ready = std::sync::Barrier::new(callers + 1);
    let start = std::thread::scope(|scope| {
        for _ in 0..callers {
            scope.spawn(|| {
                ready.wait();
                for _ in 0..per_caller {
                    call();
                }
            });
        }
        ready.wait();
        Instant::now()
    });
    (per_caller * callers) as f64 / start.elapsed().as_secs_f64()
}

/// `burst`'s rate, and the CPU time it took.
fn timed(burst: impl FnOnce() -> f64) -> (f64, u64) {
    let before = cpu_ticks();
    let rate = burst();
    (rate, cpu_ticks() - before)
}

/// `burst`'s rate, and the CPU time it took, for a burst that is a future.
async fn timed_async(burst: impl std::future::Future<Output = f64>) -> (f64, u64) {
    let before = cpu_ticks();
    let rate = burst.await;
    (rate, cpu_ticks() - before)
}

/// One burst of `callers` concurrent calls by `contender` on a connection to `socket`, opened
/// before the burst and closed after it: the rate and its CPU time.
fn burst(
    runtime: &tokio::runtime::Runtime,
    socket: &Path,
    contender: Contender,
    callers: usize,
) -> (f64, u64) {
    match contender {
        Contender::Raw => {
            let mut raw = RawConnection::open(socket);
            timed(|| raw.burst(BURST, callers, true))
        }
        Contender::RawSpecLimit => {
            let mut raw = RawConnection::open(socket);
            timed(|| raw.burst(BURST, callers.min(MAX_IN_FLIGHT), true))
        }
        Contender::RawTokio => runtime.block_on(async {
            let mut raw = RawTokioConnection::open(socket).await;
            timed_async(raw.burst(BURST, callers)).await
        }),
        Contender::Ours => runtime.block_on(async {
            let client = our_connection(socket).await;
            let measured = timed_async(our_burst(&client, BURST, callers)).await;
            close_ours(client).await;
            measured
        }),
        Contender::OursBlocking => {
            let config = ClientConfig::default();
            let client =
                qmp_types::blocking::Client::connect_unix(socket, config).expect("connect");
            let call = || {
                client
                    .execute_raw("query-status", None)
                    .expect("query-status");
            };
            timed(|| threaded_burst(BURST, callers, &call))
        }
        Contender::LeaderFollower => {
            let sketch = LeaderFollower::open(socket);
            let call = || {
                let answer = sketch.call();
                assert!(answer.get("return").is_some(), "{answer}");
            };
            timed(|| threaded_burst(BURST, callers, &call))
        }
    }
}

/// Paired bursts of `callers` concurrent calls by every client, back to back on monitors of
/// the same QEMU, all sending the same bytes.
///
/// Every round has a fresh order, and the n-th burst of a round uses the n-th monitor, so no
/// client keeps a place in the order or a monitor of its own, and only one client is
/// connected at a time. The method was checked with the raw client against itself (its second
/// row at 1 and 8 callers): with all clients connected at once, the one that connected first
/// ran 4–5 % faster than the identical one connected after it (the figures flipped when the
/// two swapped their connecting order, not when they swapped monitors); with one connection
/// at a time but a monitor per client, the identical client on another monitor still ran
/// about 6 % slower at one caller (one run).
fn paired_bursts(runtime: &tokio::runtime::Runtime, dir: &Path, callers: usize) -> Vec<Measured> {
    let mut measured = vec![Measured::default(); Contender::ALL.len()];
    let mut order = Contender::ALL;
    let mut shuffle = fastrand::Rng::with_seed(callers as u64);
    for _ in 0..BURST_ROUNDS {
        shuffle.shuffle(&mut order);
        for (index, contender) in order.into_iter().enumerate() {
            let socket = monitor(dir, index);
            let (rate, cpu) = burst(runtime, &socket, contender, callers);
            let entry = &mut measured[contender as usize];
            entry.rates.push(rate);
            entry.cpu_ticks += cpu;
        }
    }
    measured
}

/// "median [interquartile range] lowest" of the per-burst ratios `rates / base`.
fn ratio_summary(rates: &[f64], base: &[f64]) -> String {
    let ratios: Vec<f64> = rates.iter().zip(base).map(|(o, b)| o / b).collect();
    format!(
        "{:.3} [{:.3}-{:.3}] {:.3}",
        median(&ratios),
        quantile(&ratios, 0.25),
        quantile(&ratios, 0.75),
        quantile(&ratios, 0.0)
    )
}

fn main() {
    // `cargo test --all-targets` also runs benchmark binaries (without `--bench`): a debug
    // build's figures mean nothing, and the run costs CI minutes, so only `cargo bench` measures.
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("roundtrips: measured by `cargo bench -p qmp-types --bench roundtrips` only");
        return;
    }
    // Throughput runs use a QEMU with a monitor for each burst of a round and one more for
    // the other runs (a monitor serves the next client once the previous one has gone). The
    // idle connections get a QEMU with 100 monitors of its own.
    let qemu = start_qemu(Contender::ALL.len());
    let socket = qemu.socket().to_path_buf();
    let idle_qemu = start_qemu(IDLE_CONNECTIONS);
    let idle_dir = idle_qemu.dir().to_path_buf();
    // Let every monitor start listening.
    std::thread::sleep(Duration::from_millis(300));
    // A current-thread runtime: callers and the driver share one thread, as in a typical
    // single-connection tool.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    // Warm up QEMU.
    raw_client(&socket, 2_000, 8, true);

    println!(
        "round trips per second (query-status, QEMU 10.0.2, OOB negotiated): {BURST_ROUNDS} rounds \
         of a burst of {BURST} calls per client; rate: median; / raw: median of the per-burst \
         ratios [interquartile range] lowest; CPU: the process's user + system time per call \
         (all threads; 10 ms ticks over all bursts)"
    );
    let dir = qemu.dir().to_path_buf();
    for callers in CONCURRENCY {
        let measured = paired_bursts(&runtime, &dir, callers);
        let raw = &measured[Contender::Raw as usize].rates;
        println!("\n{callers} caller(s)");
        println!(
            "{:>24} | {:>9} | {:>27} | {:>12}",
            "client", "rate", "/ raw", "CPU µs/call"
        );
        for contender in Contender::ALL {
            let entry = &measured[contender as usize];
            let calls = (entry.rates.len() * BURST) as f64;
            println!(
                "{:>24} | {:>9.0} | {:>27} | {:>12.1}",
                contender.label(),
                median(&entry.rates),
                ratio_summary(&entry.rates, raw),
                entry.cpu_ticks as f64 / TICKS_PER_SECOND / calls * 1e6
            );
        }
        let bare: Vec<f64> = (0..ROUNDS)
            .map(|_| raw_client(&socket, COUNT, callers, false))
            .collect();
        let python = python_client(&socket, COUNT, callers)
            .map_or("n/a".to_owned(), |rate| format!("{rate:.0}/s"));
        println!(
            "raw without ids: {:.0}/s, qemu.qmp: {python} (medians of {ROUNDS} runs of \
             {COUNT} calls, not paired)",
            median(&bare)
        );
    }

    // The clients' own cost per call, against a server that answers instantly.
    let instant = qemu.dir().join("instant.sock");
    let _server = instant_server(&instant);
    let (mut raw, mut ours) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        raw.push(runtime.block_on(raw_tokio_client(&instant, COUNT * 5, 1)));
        ours.push(runtime.block_on(our_client(&instant, COUNT * 5, 1)));
    }
    let (raw, ours) = (median(&raw), median(&ours));
    println!(
        "instant server, sequential: raw tokio {raw:.0}/s, qmp-types {ours:.0}/s \
         (client cost {:.1} µs per call above raw)",
        (1.0 / ours - 1.0 / raw) * 1e6
    );

    let heap_before = LIVE.load(Ordering::Relaxed);
    let rss_before = rss_bytes();
    let clients: Vec<Client> = runtime.block_on(async {
        let mut clients = Vec::new();
        for index in 0..IDLE_CONNECTIONS {
            let socket = monitor(&idle_dir, index);
            clients.push(
                Client::connect_unix(&socket, ClientConfig::default())
                    .await
                    .expect("idle connect"),
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        clients
    });
    let heap = (LIVE.load(Ordering::Relaxed) - heap_before) as f64 / IDLE_CONNECTIONS as f64;
    let rss = rss_bytes().saturating_sub(rss_before) as f64 / IDLE_CONNECTIONS as f64;
    println!(
        "memory per idle connection ({IDLE_CONNECTIONS} open): {:.1} KiB heap, {:.1} KiB RSS",
        heap / 1024.0,
        rss / 1024.0
    );
    drop(clients);
}
