//! Live tests of the blocking client against real QEMU 7.2 and 10.0.2, and of the blocking
//! example program.

mod support;

use std::time::Duration;

use qmp_testkit::{QemuProcess, Release};
use qmp_types::blocking::Client;
use qmp_types::client::{ClientConfig, Error};
use support::*;

fn connect(qemu: &QemuProcess) -> Client {
    // Retries by itself while QEMU has created the socket file but does not listen yet.
    Client::connect_unix(qemu.socket(), ClientConfig::default()).expect("connect")
}

#[test]
fn blocking_calls_and_events() {
    for release in Release::ALL {
        let qemu = QemuProcess::system_none(release);
        let client = connect(&qemu);
        assert!(client.oob_enabled());
        let version = client.execute(&QueryVersion {}).unwrap();
        assert_eq!(version.qemu.to_string(), release.version());
        let mut events = client.events::<TestEvent>();
        // Calls from several threads share the connection.
        std::thread::scope(|scope| {
            for name in ["machine", "smp-opts", "name"] {
                let client = client.clone();
                scope.spawn(move || {
                    let answer = client
                        .execute(&QueryCommandLineOptions {
                            option: Some(name.into()),
                        })
                        .unwrap();
                    assert_eq!(answer[0].option, name);
                });
            }
        });
        client.execute(&Stop {}).unwrap();
        client.execute(&Cont {}).unwrap();
        let stop = events.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(stop.unwrap().unwrap().event, TestEvent::Stop);
        let resume = events.next().unwrap().unwrap();
        assert_eq!(resume.event, TestEvent::Resume);
        // No further event: the wait ends with `None`, not an error.
        assert!(events
            .recv_timeout(Duration::from_millis(50))
            .unwrap()
            .is_none());
        let error = client.execute_raw("no-such-command", None).unwrap_err();
        assert!(matches!(error, Error::Qmp { .. }), "{error}");
    }
}

#[test]
fn blocking_fd_passing_command_then_event_and_close() {
    for release in Release::ALL {
        let qemu = QemuProcess::system_none(release);
        let client = connect(&qemu);
        let added = client
            .add_fd(tempfile::tempfile().unwrap(), None, Some("blocking"))
            .unwrap();
        let sets = client.execute_raw("query-fdsets", None).unwrap();
        assert!(
            sets.as_array()
                .unwrap()
                .iter()
                .any(|set| set["fdset-id"] == added.fdset_id()),
            "{release:?}: {sets}"
        );
        let id = added.fdset_id();
        added.close().unwrap();
        let sets = client.execute_raw("query-fdsets", None).unwrap();
        assert!(!sets
            .as_array()
            .unwrap()
            .iter()
            .any(|set| set["fdset-id"] == id));
        let named = client
            .get_fd("blocking", tempfile::tempfile().unwrap())
            .unwrap();
        assert_eq!(named.name(), "blocking");
        named.close().unwrap();

        let (_, stop) = client
            .execute_then_event(&Stop {}, Duration::from_secs(10), |event: &TestEvent| {
                *event == TestEvent::Stop
            })
            .unwrap();
        assert_eq!(stop.event, TestEvent::Stop);

        client.close(Duration::from_secs(5)).unwrap();
        let error = client.execute(&Cont {}).unwrap_err();
        assert!(
            matches!(error, Error::Disconnected { .. }),
            "{release:?}: {error}"
        );
    }
}

#[test]
fn blocking_client_refuses_to_block_inside_a_runtime() {
    let qemu = QemuProcess::system_none(Release::V10_0);
    let client = connect(&qemu);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let error = runtime.block_on(async { client.execute(&QueryStatus {}).unwrap_err() });
    assert!(matches!(error, Error::Runtime(_)), "{error}");
    // The event iterator reports it too, instead of ending as if disconnected.
    let mut events = client.events::<TestEvent>();
    let next = runtime.block_on(async { events.next() });
    assert!(matches!(next, Some(Err(Error::Runtime(_)))), "{next:?}");
    // Still fine outside.
    assert!(client.execute(&QueryStatus {}).unwrap().running);
}

#[test]
fn spawn_blocking_drives_the_async_handle_as_documented() {
    let qemu = QemuProcess::system_none(Release::V10_0);
    let client = connect(&qemu);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let status = runtime.block_on(async move {
        tokio::task::spawn_blocking(move || {
            // The blocking call refuses (tokio cannot tell this thread from a worker)...
            let refused = client.execute(&QueryStatus {}).unwrap_err();
            assert!(matches!(refused, Error::Runtime(_)), "{refused}");
            // ... and the documented way works.
            tokio::runtime::Handle::current().block_on(client.as_async().execute(&QueryStatus {}))
        })
        .await
        .unwrap()
    });
    assert!(status.unwrap().running);
}

#[test]
fn blocking_example_runs_against_qemu() {
    let qemu = QemuProcess::system_none(Release::V10_0);
    drop(connect(&qemu)); // wait until QEMU listens
                          // `cargo test` builds the examples next to the test binaries (target/*/examples); fall
                          // back to `cargo run` when this test binary was built on its own.
    let built = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("examples/blocking")))
        .filter(|path| path.is_file());
    let mut command = match built {
        Some(path) => std::process::Command::new(path),
        None => {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let mut command = std::process::Command::new(cargo);
            command.args([
                "run",
                "-q",
                "-p",
                "qmp-types",
                "--example",
                "blocking",
                "--",
            ]);
            command
        }
    };
    let output = command
        .arg(qemu.socket())
        .output()
        .expect("run the example");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("connected to QEMU 10.0.2"), "{stdout}");
    assert!(stdout.contains("event STOP at"), "{stdout}");
    assert!(stdout.contains("event RESUME at"), "{stdout}");
}

/// Whether QEMU's fd sets include `id`, asked on `observer`.
fn has_fdset(observer: &Client, id: u64) -> bool {
    let sets = observer.execute_raw("query-fdsets", None).unwrap();
    sets.as_array()
        .unwrap()
        .iter()
        .any(|set| set["fdset-id"] == id)
}

/// QEMU with a second QMP monitor at `other` (an observer's).
fn qemu_with_second_monitor(release: Release, other: &std::path::Path) -> QemuProcess {
    let monitor = format!("unix:{},server=on,wait=off", other.display());
    QemuProcess::system(release, &["-machine", "none", "-qmp", &monitor], "")
}

#[test]
fn an_idle_blocking_client_still_serves_its_connection() {
    for release in Release::ALL {
        let other = tempfile::tempdir().unwrap();
        let other = other.path().join("observer.sock");
        let qemu = qemu_with_second_monitor(release, &other);
        let client = connect(&qemu);
        let observer = Client::connect_unix(&other, ClientConfig::default()).unwrap();
        let added = client
            .add_fd(tempfile::tempfile().unwrap(), None, Some("idle"))
            .unwrap();
        let id = added.fdset_id();
        assert!(has_fdset(&observer, id), "{release:?}");
        // The guard's drop queues `remove-fd`; nothing more is called on `client`, so only
        // the runtime's idle thread can write it.
        drop(added);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while has_fdset(&observer, id) {
            assert!(
                std::time::Instant::now() < deadline,
                "{release:?}: fd set {id} is still there, 10 s after its guard was dropped"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        // The idle thread drives the runtime now; a call takes it back, from several threads.
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| assert!(client.execute(&QueryStatus {}).unwrap().running));
            }
        });
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            client.execute(&QueryStatus {}).unwrap().running,
            "{release:?}"
        );
    }
}

#[test]
fn dropping_the_last_handle_inside_an_async_context_closes_the_connection() {
    let qemu = QemuProcess::system_none(Release::V10_0);
    let client = connect(&qemu);
    assert!(client.execute(&QueryStatus {}).unwrap().running);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    // No panic (a plain drop of a runtime panics there), and the socket is closed: the
    // monitor, which serves one client at a time, takes the next one.
    runtime.block_on(async move { drop(client) });
    let next = connect(&qemu);
    assert!(next.execute(&QueryStatus {}).unwrap().running);
}
