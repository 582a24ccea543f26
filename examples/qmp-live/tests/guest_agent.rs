//! The guest agent's bindings, made from its manuals, against the real `qemu-ga` of each
//! release (run on this host on a private socket, `qemu-ga -m unix-listen`): `guest-info`
//! and every no-argument `guest-get-*` command called through its generated type and decoded
//! strictly: zero decoding failures and zero members the types do not keep. Commands the
//! host refuses (no such support in a container, missing privileges) are counted by error
//! class. The typed clients, blocking and async, call generated commands the same way. Only
//! reading commands are sent: the agent runs on the host.

use qmp_live::sweep::{Outcome, Sweep};
use qmp_testkit::{QemuProcess, Release};
use qmp_types::blocking::GuestAgent;
use qmp_types::client::ClientConfig;

macro_rules! agent_sweep_test {
    ($test:ident, $qga:ident, $release:expr) => {
        #[test]
        fn $test() {
            use qmp_live::$qga as qga;
            let release = $release;
            let process = QemuProcess::guest_agent(release);
            let agent = GuestAgent::connect_unix(process.socket(), ClientConfig::default())
                .expect("connect to qemu-ga");

            let mut sweep = Sweep::new(&agent);
            qga::queries::visit_all(&mut sweep);
            let summary = sweep.summary();
            println!(
                "qemu-ga {} with its own bindings: {summary}",
                release.version()
            );

            assert_eq!(summary.called, qga::queries::NAMES.len());
            assert!(summary.called >= 14, "{summary}");
            assert!(summary.failures.is_empty(), "decoding failures:\n{summary}");
            assert!(summary.findings.is_empty(), "strict findings:\n{summary}");
            assert_eq!(summary.decoded + summary.refused_count(), summary.called);
            // The commands every Linux host answers decoded, with their real types.
            for name in [
                "guest-info",
                "guest-get-osinfo",
                "guest-get-host-name",
                "guest-get-time",
            ] {
                assert!(
                    matches!(sweep.outcome(name), Some(Outcome::Decoded { .. })),
                    "{name}: {:?}",
                    sweep.outcome(name)
                );
            }
        }
    };
}

agent_sweep_test!(agent_10_0_decodes_strictly, qga_10_0, Release::V10_0);
agent_sweep_test!(agent_7_2_decodes_strictly, qga_7_2, Release::V7_2);

macro_rules! typed_client_test {
    ($test:ident, $qga:ident, $release:expr) => {
        #[test]
        fn $test() {
            use qmp_live::$qga as qga;
            let release = $release;
            let process = QemuProcess::guest_agent(release);

            // Blocking: generated commands in, generated types out.
            let agent = GuestAgent::connect_unix(process.socket(), ClientConfig::default())
                .expect("connect to qemu-ga");
            let info: qga::GuestAgentInfo = agent.execute(&qga::GuestInfo::new()).unwrap();
            assert_eq!(info.version, release.version());
            let ping = info
                .supported_commands
                .iter()
                .find(|command| command.name == "guest-ping")
                .expect("guest-ping listed");
            assert!(ping.enabled && ping.success_response, "{ping:?}");
            let host_name = agent.execute(&qga::GuestGetHostName::new()).unwrap();
            assert!(!host_name.host_name.is_empty());

            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            // The blocking handle's async side is the same connection.
            let again = runtime.block_on(agent.as_async().execute(&qga::GuestInfo::new()));
            assert_eq!(again.unwrap(), info);
            // `qemu-ga -m unix-listen` serves one client at a time.
            drop(agent);

            // Async, on the caller's runtime: the same commands, the same answers.
            let async_info = runtime.block_on(async {
                let agent = qmp_types::qga::GuestAgent::connect_unix(
                    process.socket(),
                    ClientConfig::default(),
                )
                .await
                .expect("connect to qemu-ga");
                agent.execute(&qga::GuestInfo::new()).await
            });
            assert_eq!(async_info.unwrap(), info);
            println!(
                "qemu-ga {}: guest-info typed (blocking and async), {} commands listed",
                release.version(),
                info.supported_commands.len()
            );
        }
    };
}

typed_client_test!(typed_client_10_0, qga_10_0, Release::V10_0);
typed_client_test!(typed_client_7_2, qga_7_2, Release::V7_2);
