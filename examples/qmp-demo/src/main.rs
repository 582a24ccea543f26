//! `qmp-demo [QEMU]`: starts QEMU (default: `$QMP_DEMO_QEMU`, else
//! `/usr/bin/qemu-system-x86_64`) with a QMP socket, picks the bindings that match the
//! version it reports, prints typed `query-version` / `query-status`, stops and continues the
//! VM, quits, and prints every typed event it got.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use qmp_types::blocking::{Client, Events};
use qmp_types::client::ClientConfig;
use qmp_types::EventSet;

/// Bindings generated from QEMU 7.2.22's schema.
mod qmp_7_2 {
    include!(concat!(env!("OUT_DIR"), "/qmp_7_2.rs"));
}

/// Bindings generated from QEMU 10.0.2's schema.
mod qmp_10_0 {
    include!(concat!(env!("OUT_DIR"), "/qmp_10_0.rs"));
}

/// The same session, written once, for the bindings module `$qmp`.
macro_rules! session {
    ($name:ident, $qmp:ident) => {
        fn $name(client: &Client) -> Result<(), Box<dyn Error>> {
            use $qmp as qmp;
            let mut events = client.events::<qmp::Event>();
            let version = client.execute(&qmp::QueryVersion::new())?;
            println!(
                "query-version: {}.{}.{} ({})",
                version.qemu.major, version.qemu.minor, version.qemu.micro, version.package
            );
            let status = client.execute(&qmp::QueryStatus::new())?;
            println!(
                "query-status: running={} status={}",
                status.running, status.status
            );
            client.execute(&qmp::Stop::new())?;
            println!("stop");
            expect_event(&mut events, "STOP")?;
            let status = client.execute(&qmp::QueryStatus::new())?;
            println!(
                "query-status: running={} status={}",
                status.running, status.status
            );
            client.execute(&qmp::Cont::new())?;
            println!("cont");
            expect_event(&mut events, "RESUME")?;
            client.execute(&qmp::Quit::new())?;
            println!("quit");
            expect_event(&mut events, "SHUTDOWN")?;
            Ok(())
        }
    };
}

session!(session_7_2, qmp_7_2);
session!(session_10_0, qmp_10_0);

/// Prints typed events until one called `name` arrives (at most 10 s).
fn expect_event<E: EventSet + std::fmt::Debug>(
    events: &mut Events<E>,
    name: &str,
) -> Result<(), Box<dyn Error>> {
    loop {
        match events.recv_timeout(Duration::from_secs(10))? {
            Some(Ok(received)) => {
                println!("event {}: {:?}", received.event.name(), received.event);
                if received.event.name() == name {
                    return Ok(());
                }
            }
            Some(Err(error)) => return Err(error.into()),
            None => return Err(format!("no {name} event within 10 s").into()),
        }
    }
}

/// QEMU, killed when dropped (after `quit` it has exited already).
struct Qemu(Child);

impl Drop for Qemu {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(binary: &Path, socket: &Path) -> Result<Qemu, Box<dyn Error>> {
    let child = Command::new(binary)
        .args([
            "-machine",
            "none",
            "-nodefaults",
            "-display",
            "none",
            "-qmp",
        ])
        .arg(format!("unix:{},server=on,wait=off", socket.display()))
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let mut qemu = Qemu(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() {
        if let Some(status) = qemu.0.try_wait()? {
            return Err(format!("{} exited with {status}", binary.display()).into());
        }
        if Instant::now() > deadline {
            return Err(format!("{} created no QMP socket", binary.display()).into());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(qemu)
}

fn main() -> Result<(), Box<dyn Error>> {
    let binary = std::env::args_os()
        .nth(1)
        .or_else(|| std::env::var_os("QMP_DEMO_QEMU"))
        .map_or_else(
            || PathBuf::from("/usr/bin/qemu-system-x86_64"),
            PathBuf::from,
        );
    let socket = std::env::temp_dir().join(format!("qmp-demo-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&socket);
    let qemu = start(&binary, &socket)?;
    let client = Client::connect_unix(&socket, ClientConfig::default())?;
    let version = client
        .greeting()
        .map(|g| g.qmp.version.qemu)
        .ok_or("the server sent no greeting")?;
    // The bindings of the newest release not newer than the server.
    let bindings = if version.major >= 10 {
        "qmp_10_0"
    } else {
        "qmp_7_2"
    };
    println!(
        "QEMU {version} at {}, bindings {bindings}",
        binary.display()
    );
    let result = if bindings == "qmp_10_0" {
        session_10_0(&client)
    } else {
        session_7_2(&client)
    };
    drop(qemu);
    let _ = std::fs::remove_file(&socket);
    result
}
