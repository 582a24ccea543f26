//! A simple synchronous program using the blocking client: prints the server's version and
//! run state, pauses and resumes the VM, and prints the STOP/RESUME events that follow.
//!
//! ```sh
//! qemu-system-x86_64 -machine none -display none -qmp unix:/tmp/qmp.sock,server=on,wait=off &
//! cargo run -p qmp-types --example blocking -- /tmp/qmp.sock
//! ```

use std::time::Duration;

use qmp_types::blocking::Client;
use qmp_types::client::ClientConfig;
use qmp_types::UnknownEvent;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(socket) = std::env::args().nth(1) else {
        return Err("usage: blocking QMP_SOCKET_PATH".into());
    };
    let client = Client::connect_unix(&socket, ClientConfig::default())?;
    if let Some(greeting) = client.greeting() {
        println!(
            "connected to QEMU {} (oob negotiated: {})",
            greeting.qmp.version.qemu,
            client.oob_enabled()
        );
    }
    let mut events = client.events::<UnknownEvent>();
    println!(
        "status: {}",
        client.execute_raw("query-status", None)?["status"]
    );
    client.execute_raw("stop", None)?;
    client.execute_raw("cont", None)?;
    for _ in 0..2 {
        match events.recv_timeout(Duration::from_secs(5))? {
            Some(Ok(event)) => println!(
                "event {} at {}.{:06}",
                event.event.name, event.timestamp.seconds, event.timestamp.microseconds
            ),
            Some(Err(problem)) => println!("event problem: {problem}"),
            None => println!("no event within 5 s"),
        }
    }
    Ok(())
}
