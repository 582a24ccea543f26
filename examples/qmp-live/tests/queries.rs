//! Every no-argument `query-*` / `x-query-*` command of each release, called on that release
//! through its generated type (of the release's own bindings, and of the module merged from
//! both releases) and decoded into its generated return type, strictly: zero
//! decoding failures and zero members the types do not keep. A mirror job runs meanwhile, so
//! the job queries have something to report.

use std::time::{Duration, Instant};

use qmp_live::machine::{self, DISK_NODE, TARGET_NODE};
use qmp_live::sweep::{Outcome, Sweep};
use qmp_testkit::Release;

macro_rules! sweep_test {
    ($test:ident, $qmp:ident, $release:expr, $bindings:literal) => {
        #[test]
        fn $test() {
            use qmp_live::$qmp as qmp;
            let release = $release;
            let qemu = machine::start(release);
            let client = machine::connect(&qemu);

            let mirror = qmp::BlockdevMirror {
                job_id: Some("mirror0".into()),
                ..qmp::BlockdevMirror::new(
                    DISK_NODE,
                    TARGET_NODE,
                    qmp::MirrorSyncMode::Full,
                )
            };
            client.execute(&mirror).expect("blockdev-mirror");
            // Wait until the job is ready, so it is reported in a stable state.
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let jobs = client
                    .execute(&qmp::QueryBlockJobs::new())
                    .expect("query-block-jobs");
                if jobs.iter().any(|job| job.device == "mirror0" && job.ready) {
                    break;
                }
                assert!(Instant::now() < deadline, "mirror0 never became ready: {jobs:?}");
                std::thread::sleep(Duration::from_millis(50));
            }

            let mut sweep = Sweep::new(&client);
            qmp::queries::visit_all(&mut sweep);
            let summary = sweep.summary();
            println!(
                "QEMU {} with {}: {summary}",
                release.version(),
                $bindings
            );

            assert_eq!(summary.called, qmp::queries::NAMES.len());
            assert!(summary.called > 60, "{summary}");
            assert!(summary.failures.is_empty(), "decoding failures:\n{summary}");
            assert!(summary.findings.is_empty(), "strict findings:\n{summary}");
            // An optional member of type `any` keeps a present `null` (`"default": null` in
            // `query-qmp-schema`'s member descriptions) instead of turning it into absence.
            assert!(summary.null_as_absent.is_empty(), "{summary}");
            assert_eq!(
                summary.decoded + summary.refused_count() + summary.failures.len(),
                summary.called
            );
            // Refusals are legitimate ones (no such device or feature on this machine), never
            // a missing command.
            assert!(!summary.refused.contains_key("CommandNotFound"), "{summary}");
            assert!(
                matches!(sweep.outcome("query-balloon"), Some(Outcome::Refused { class, .. })
                    if class == "DeviceNotActive"),
                "{summary}"
            );
            for name in ["query-status", "query-block", "query-jobs", "query-qmp-schema"] {
                assert!(
                    matches!(sweep.outcome(name), Some(Outcome::Decoded { .. })),
                    "{name}: {:?}",
                    sweep.outcome(name)
                );
            }

            // The typed answers describe the machine that was started.
            let status = client.execute(&qmp::QueryStatus::new()).expect("query-status");
            assert!(status.running, "{status:?}");
            let block = client.execute(&qmp::QueryBlock::new()).expect("query-block");
            assert!(
                block
                    .iter()
                    .any(|b| b.inserted.as_ref().is_some_and(|i| i.node_name.as_deref()
                        == Some(DISK_NODE))),
                "{block:?}"
            );
            let jobs = client.execute(&qmp::QueryJobs::new()).expect("query-jobs");
            assert!(jobs.iter().any(|job| job.id == "mirror0"), "{jobs:?}");
            let iothreads = client
                .execute(&qmp::QueryIothreads::new())
                .expect("query-iothreads");
            assert!(iothreads.iter().any(|t| t.id == "io0"), "{iothreads:?}");
            let chardevs = client.execute(&qmp::QueryChardev::new()).expect("query-chardev");
            assert!(chardevs.iter().any(|c| c.label == "serial0"), "{chardevs:?}");
        }
    };
}

sweep_test!(
    qemu_7_2_answers_decode_strictly,
    qmp_7_2,
    Release::V7_2,
    "its own bindings"
);
sweep_test!(
    qemu_10_0_answers_decode_strictly,
    qmp_10_0,
    Release::V10_0,
    "its own bindings"
);
// One module for both releases (issue #11): every answer of each decodes strictly into it.
sweep_test!(
    qemu_7_2_answers_decode_strictly_into_the_merged_module,
    qmp_merged_on_7_2,
    Release::V7_2,
    "the merged 7.2.22 + 10.0.2 bindings"
);
sweep_test!(
    qemu_10_0_answers_decode_strictly_into_the_merged_module,
    qmp_merged_on_10_0,
    Release::V10_0,
    "the merged 7.2.22 + 10.0.2 bindings"
);

/// QEMU 7.2's `SevInfo` is a plain struct without 10.0's union tag `sev-type`; in the merged
/// module such an answer is the union's `Untagged` variant, with the members 10.0 keeps in
/// its `sev` variant.
#[test]
fn qemu_7_2_sev_info_without_its_tag_is_the_untagged_variant_of_the_merged_union() {
    use qmp_live::qmp_merged_on_7_2 as qmp;
    let qemu = machine::start(Release::V7_2);
    let client = machine::connect(&qemu);
    let info = client.execute(&qmp::QuerySev::new()).expect("query-sev");
    assert!(!info.enabled, "{info:?}");
    assert!(
        matches!(
            info.sev_type,
            qmp::SevInfoVariant::Untagged(qmp::SevGuestInfo {
                policy: Some(_),
                handle: Some(_),
            })
        ),
        "{info:?}"
    );
}
