//! Real events provoked on each release and decoded through that release's typed `Event`
//! enum (and through the `Event` of the module merged from both releases), each strictly
//! checked against its raw data: STOP, RESUME, a mirror job's lifecycle (JOB_STATUS_CHANGE,
//! BLOCK_JOB_READY, BLOCK_JOB_COMPLETED), DEVICE_DELETED (USB hot-unplug, which completes
//! without guest cooperation), RESET and SHUTDOWN.

use qmp_live::events::EventLog;
use qmp_live::machine::{self, DISK_NODE, TARGET_NODE};
use qmp_testkit::Release;

macro_rules! events_test {
    ($test:ident, $qmp:ident, $release:expr) => {
        #[test]
        fn $test() {
            use qmp_live::$qmp as qmp;
            use qmp::Event;
            let release = $release;
            let qemu = machine::start(release);
            let client = machine::connect(&qemu);
            let mut log = EventLog::<Event>::new(&client);

            client.execute(&qmp::Stop::new()).expect("stop");
            log.wait_for("STOP", |e| matches!(e, Event::Stop(_)));
            client.execute(&qmp::Cont::new()).expect("cont");
            log.wait_for("RESUME", |e| matches!(e, Event::Resume(_)));

            let mirror = qmp::BlockdevMirror {
                job_id: Some("mirror0".into()),
                ..qmp::BlockdevMirror::new(
                    DISK_NODE,
                    TARGET_NODE,
                    qmp::MirrorSyncMode::Full,
                )
            };
            client.execute(&mirror).expect("blockdev-mirror");
            log.wait_for("BLOCK_JOB_READY", |e| {
                matches!(e, Event::BlockJobReady(r) if r.device == "mirror0")
            });
            client
                .execute(&qmp::BlockJobComplete::new("mirror0"))
                .expect("block-job-complete");
            let completed = log.wait_for("BLOCK_JOB_COMPLETED", |e| {
                matches!(e, Event::BlockJobCompleted(c) if c.device == "mirror0")
            });
            if let Event::BlockJobCompleted(c) = &log.seen[completed].event {
                assert_eq!(c.error, None);
                assert_eq!(c.len, c.offset);
            }
            // The job ends in `null` once auto-dismissed.
            log.wait_for("JOB_STATUS_CHANGE null", |e| {
                matches!(e, Event::JobStatusChange(j) if j.status.to_string() == "null")
            });
            let statuses: Vec<String> = log
                .seen
                .iter()
                .filter_map(|s| match &s.event {
                    Event::JobStatusChange(j) if j.id == "mirror0" => Some(j.status.to_string()),
                    _ => None,
                })
                .collect();
            assert_eq!(
                statuses,
                ["created", "running", "ready", "waiting", "pending", "concluded", "null"]
            );

            let keyboard = qmp::DeviceAdd {
                id: Some("kbd0".into()),
                ..qmp::DeviceAdd::new("usb-kbd")
            };
            client.execute(&keyboard).expect("device_add");
            client
                .execute(&qmp::DeviceDel::new("kbd0"))
                .expect("device_del");
            let deleted = log.wait_for("DEVICE_DELETED", |e| {
                matches!(e, Event::DeviceDeleted(d) if d.device.as_deref() == Some("kbd0"))
            });
            if let Event::DeviceDeleted(d) = &log.seen[deleted].event {
                assert_eq!(d.path, "/machine/peripheral/kbd0");
            }

            client.execute(&qmp::SystemReset::new()).expect("system_reset");
            let reset = log.wait_for("RESET", |e| matches!(e, Event::Reset(_)));
            if let Event::Reset(r) = &log.seen[reset].event {
                assert!(!r.guest);
                assert_eq!(r.reason.to_string(), "host-qmp-system-reset");
            }

            client.execute(&qmp::Quit::new()).expect("quit");
            let shutdown = log.wait_for("SHUTDOWN", |e| matches!(e, Event::Shutdown(_)));
            if let Event::Shutdown(s) = &log.seen[shutdown].event {
                assert!(!s.guest);
                assert_eq!(s.reason.to_string(), "host-qmp-quit");
            }

            // Every event was known and kept everything its data held.
            for seen in &log.seen {
                let findings = qmp::events::strict_event(&seen.event, &seen.data)
                    .expect("event serialises");
                assert!(findings.is_empty(), "{seen:?}: {findings:?}");
            }
            println!(
                "QEMU {}: {} events decoded and strictly checked: {}",
                release.version(),
                log.seen.len(),
                log.names().join(" ")
            );
        }
    };
}

events_test!(qemu_7_2_events_decode_strictly, qmp_7_2, Release::V7_2);
events_test!(qemu_10_0_events_decode_strictly, qmp_10_0, Release::V10_0);
// One module for both releases (issue #11): the same events of each decode strictly into it.
events_test!(
    qemu_7_2_events_decode_strictly_into_the_merged_module,
    qmp_merged,
    Release::V7_2
);
events_test!(
    qemu_10_0_events_decode_strictly_into_the_merged_module,
    qmp_merged,
    Release::V10_0
);
