//! The guest agent's bindings, made from its manuals, against the real `qemu-ga` of each
//! release (run on this host on a private socket, `qemu-ga -m unix-listen`): `guest-info`
//! and every no-argument `guest-get-*` command called through its generated type and decoded
//! strictly: zero decoding failures and zero members the types do not keep. Commands the
//! host refuses (no such support in a container, missing privileges) are counted by error
//! class. Only reading commands are sent: the agent runs on the host.

use qmp_live::agent::Agent;
use qmp_live::sweep::{Outcome, Sweep};
use qmp_testkit::{QemuProcess, Release};

macro_rules! agent_sweep_test {
    ($test:ident, $qga:ident, $release:expr) => {
        #[test]
        fn $test() {
            use qmp_live::$qga as qga;
            let release = $release;
            let process = QemuProcess::guest_agent(release);
            let agent = Agent::connect_unix(process.socket()).expect("connect to qemu-ga");

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
