//! `guest-shutdown`, which answers nothing on success, returns as soon as it is written:
//! against the real `qemu-ga` of each release, run in a private mount namespace where
//! `/sbin/shutdown` (the program the agent runs) is a stub that sleeps and records its
//! arguments. The agent runs on this host as root, so before anything is sent the test reads
//! `/sbin/shutdown` through the agent itself and stops unless it is the stub.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use qmp_testkit::{QemuProcess, Release};
use qmp_types::blocking::GuestAgent;
use qmp_types::client::ClientConfig;

/// How long the stub takes: the call must return well before.
const STUB_SECONDS: u64 = 2;

/// Starts `release`'s agent in a mount namespace of its own where `stub` covers
/// `/sbin/shutdown`. The agent is only started when the bind mount succeeded.
fn agent_with_stub(release: Release, stub: &Path) -> QemuProcess {
    assert!(
        Path::new("/sbin/shutdown").exists(),
        "/sbin/shutdown is missing: this test covers it with a stub in a mount namespace, \
         so it needs one to cover (install systemd-sysv)"
    );
    let agent = release.binary("qemu-ga");
    let script = r#"mount --bind "$1" /sbin/shutdown && exec "$2" -m unix-listen -p "$3" -t "$4""#;
    QemuProcess::spawn(Path::new("/usr/bin/unshare"), |socket| {
        let state = socket.parent().unwrap_or(socket);
        [
            "--mount",
            "--propagation",
            "private",
            "--",
            "/bin/sh",
            "-c",
            script,
            "sh",
        ]
        .into_iter()
        .map(str::to_owned)
        .chain([stub, &agent, socket, state].map(|path| path.display().to_string()))
        .collect()
    })
}

macro_rules! shutdown_test {
    ($test:ident, $qga:ident, $release:expr) => {
        #[test]
        fn $test() {
            use qmp_live::$qga as qga;
            let release = $release;
            let dir = tempfile::Builder::new()
                .prefix("qga-stub-")
                .tempdir()
                .unwrap();
            let called = dir.path().join("called");
            let stub = dir.path().join("shutdown");
            let script = format!(
                "#!/bin/sh\nsleep {STUB_SECONDS}\necho \"$@\" > {}\n",
                called.display()
            );
            std::fs::write(&stub, &script).unwrap();
            std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
            let process = agent_with_stub(release, &stub);
            let agent = GuestAgent::connect_unix(process.socket(), ClientConfig::default())
                .expect("connect to qemu-ga");

            // Safety: what the agent would run must be the stub.
            let handle = agent
                .execute(&qga::GuestFileOpen::new("/sbin/shutdown"))
                .unwrap();
            let seen = agent
                .execute(&qga::GuestFileReadCommand {
                    count: Some(65536),
                    ..qga::GuestFileReadCommand::new(handle)
                })
                .unwrap();
            agent.execute(&qga::GuestFileClose::new(handle)).unwrap();
            let seen = STANDARD.decode(seen.buf_b64.as_bytes()).unwrap();
            assert!(
                seen == script.as_bytes(),
                "the agent does not see the stub at /sbin/shutdown: not sending guest-shutdown"
            );
            // The agent itself says guest-shutdown does not answer on success.
            assert!(!agent.answers_on_success("guest-shutdown"));

            // Without the fix the call would wait for an answer that never comes: bounded.
            let bounded = agent.with_timeout(Some(Duration::from_secs(10)));
            let started = Instant::now();
            bounded.execute(&qga::GuestShutdown::new()).unwrap();
            let returned = started.elapsed();
            assert!(!called.exists(), "the call waited for the stub");
            assert!(returned < Duration::from_secs(1), "{returned:?}");

            // The agent runs the stub to its end before it reads the next command.
            agent.execute(&qga::GuestPing::new()).unwrap();
            let served = started.elapsed();
            assert!(served >= Duration::from_secs(STUB_SECONDS), "{served:?}");
            let arguments = std::fs::read_to_string(&called).unwrap();
            assert!(arguments.contains("+0"), "{arguments}");
            println!(
                "qemu-ga {}: guest-shutdown returned after {returned:?}; the agent answered \
                 the next command after {served:?} (stub ran with `{}`)",
                release.version(),
                arguments.trim()
            );
        }
    };
}

shutdown_test!(shutdown_returns_once_written_10_0, qga_10_0, Release::V10_0);
shutdown_test!(shutdown_returns_once_written_7_2, qga_7_2, Release::V7_2);
