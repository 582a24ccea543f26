//! Live tests of the VM-manager runtime against real QEMU 7.2 and 10.0.2: file descriptors
//! passed with `add-fd` and `getfd` and used by QEMU, 10,000 events to four subscribers in
//! both delivery modes, `device_del` waiting for `DEVICE_DELETED`, and mirror jobs run to
//! their end through the job helper.

mod support;

use std::time::Duration;

use qmp_testkit::{QemuProcess, Release};
use qmp_types::client::{Client, ClientConfig, Error, EventError, EventStream};
use qmp_types::{Command, Empty, UnknownEvent};
use serde::Serialize;
use serde_json::{json, Value};
use support::*;

async fn connect(qemu: &QemuProcess, config: ClientConfig) -> Client {
    within(20, "connect", Client::connect_unix(qemu.socket(), config))
        .await
        .expect("connect")
}

async fn raw(client: &Client, command: &str, arguments: Value) -> Value {
    within(20, command, client.execute_raw(command, Some(arguments)))
        .await
        .unwrap_or_else(|error| panic!("{command}: {error}"))
}

/// The fd set `id` as `query-fdsets` reports it, if it exists.
async fn fdset(client: &Client, id: u64) -> Option<Value> {
    let sets = raw(client, "query-fdsets", json!({})).await;
    sets.as_array()
        .unwrap()
        .iter()
        .find(|set| set["fdset-id"] == id)
        .cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_fd_gives_qemu_a_file_it_opens_as_dev_fdset() {
    for release in Release::ALL {
        let qemu = QemuProcess::system_none(release);
        let client = connect(&qemu, ClientConfig::default()).await;
        let image = qemu.dir().join("disk.img");
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&image)
            .unwrap();
        file.set_len(1 << 20).unwrap();
        let added = client.add_fd(file, None, Some("disk")).await.unwrap();
        assert_eq!(added.path(), format!("/dev/fdset/{}", added.fdset_id()));
        raw(
            &client,
            "blockdev-add",
            json!({"driver": "file", "node-name": "disk0", "filename": added.path()}),
        )
        .await;
        let set = fdset(&client, added.fdset_id()).await.expect("the fd set");
        let fds = set["fds"].as_array().unwrap();
        assert!(
            fds.iter()
                .any(|fd| fd["fd"] == added.fd() && fd["opaque"] == "disk"),
            "{release:?}: {set}"
        );
        // QEMU really uses the file: the node has its size.
        let nodes = raw(&client, "query-named-block-nodes", json!({})).await;
        let node = nodes
            .as_array()
            .unwrap()
            .iter()
            .find(|node| node["node-name"] == "disk0")
            .expect("the node");
        assert_eq!(node["image"]["virtual-size"], 1 << 20, "{release:?}");
        raw(&client, "blockdev-del", json!({"node-name": "disk0"})).await;
        let id = added.fdset_id();
        drop(added);
        // The guard's removal is written before this query.
        assert_eq!(fdset(&client, id).await, None, "{release:?}");

        // Closing explicitly reports the outcome.
        let added = client
            .add_fd(tempfile::tempfile().unwrap(), Some(7), None)
            .await
            .unwrap();
        assert_eq!(added.fdset_id(), 7);
        added.close().await.unwrap();
        assert_eq!(fdset(&client, 7).await, None, "{release:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn getfd_passes_a_socket_a_chardev_uses_by_name() {
    for release in Release::ALL {
        let qemu = QemuProcess::system_none(release);
        let client = connect(&qemu, ClientConfig::default()).await;
        let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
        let named = client.get_fd("chr-fd", theirs).await.unwrap();
        assert_eq!(named.name(), "chr-fd");
        raw(
            &client,
            "chardev-add",
            json!({"id": "chr0", "backend": {"type": "socket", "data": {
                "addr": {"type": "fd", "data": {"str": "chr-fd"}}, "server": false}}}),
        )
        .await;
        let chardevs = raw(&client, "query-chardev", json!({})).await;
        assert!(
            chardevs
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["label"] == "chr0"),
            "{release:?}: {chardevs}"
        );
        // The chardev took the descriptor: closing the name now fails, and says why.
        let error = named.close().await.unwrap_err();
        assert!(
            matches!(&error, Error::Qmp { command, desc, .. } if command == "closefd" && desc.contains("chr-fd")),
            "{release:?}: {error}"
        );
        raw(&client, "chardev-remove", json!({"id": "chr0"})).await;
        drop(ours);

        // A name nobody took is closed by the guard's drop.
        let named = client
            .get_fd("spare", tempfile::tempfile().unwrap())
            .await
            .unwrap();
        drop(named);
        let error = client
            .execute_raw("closefd", Some(json!({"fdname": "spare"})))
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Qmp { .. }), "{release:?}: {error}");
    }
}

/// Reads `stream` to its end: the events' (name, timestamp) in order, and the losses reported.
async fn drain(
    mut stream: EventStream<UnknownEvent>,
    slow: bool,
) -> (Vec<(String, i64, i64)>, u64) {
    let mut seen = Vec::new();
    let mut missed = 0;
    while let Some(item) = stream.recv().await {
        match item {
            Ok(received) => seen.push((
                received.event.name,
                received.timestamp.seconds,
                received.timestamp.microseconds,
            )),
            Err(EventError::Lagged { missed: n }) => missed += n,
            Err(error) => panic!("{error}"),
        }
        if slow && seen.len() % 10 == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    (seen, missed)
}

const PAIRS: usize = 5_000;

/// Sends `PAIRS` stop/cont pairs (one STOP and one RESUME event each) to `qemu` with four
/// subscribers, the last of them slow, and returns what each saw.
async fn ten_thousand_events(
    qemu: &QemuProcess,
    config: ClientConfig,
    lossless: bool,
) -> Vec<(Vec<(String, i64, i64)>, u64)> {
    let client = connect(qemu, config).await;
    let readers: Vec<_> = (0..4)
        .map(|index| {
            let stream = if lossless {
                client.events()
            } else {
                client.lagging_events()
            };
            tokio::spawn(drain(stream, index == 3))
        })
        .collect();
    for _ in 0..PAIRS {
        client.execute(&Stop {}).await.unwrap();
        client.execute(&Cont {}).await.unwrap();
    }
    // Closing ends the streams once every event before it was delivered.
    client.close(Duration::from_secs(10)).await.unwrap();
    let mut results = Vec::new();
    for reader in readers {
        results.push(within(120, "subscriber", reader).await.unwrap());
    }
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_events_to_four_subscribers_in_both_modes() {
    for release in Release::ALL {
        let qemu = QemuProcess::system_none(release);
        let lossless = ten_thousand_events(&qemu, ClientConfig::default(), true).await;
        let (reference, _) = &lossless[0];
        assert_eq!(reference.len(), 2 * PAIRS, "{release:?}");
        for (index, pair) in reference.chunks(2).enumerate() {
            assert_eq!(
                (pair[0].0.as_str(), pair[1].0.as_str()),
                ("STOP", "RESUME"),
                "{index}"
            );
        }
        for (index, (seen, missed)) in lossless.iter().enumerate() {
            assert_eq!(*missed, 0, "{release:?} subscriber {index}");
            assert!(
                seen == reference,
                "{release:?}: subscriber {index} saw other events"
            );
        }

        let config = ClientConfig::default().event_buffer(16);
        let lagging = ten_thousand_events(&qemu, config, false).await;
        for (index, (seen, missed)) in lagging.iter().enumerate() {
            assert_eq!(
                seen.len() as u64 + missed,
                2 * PAIRS as u64,
                "{release:?} subscriber {index}: every event is either seen or counted as missed"
            );
            // What was seen is in order.
            assert!(seen
                .windows(2)
                .all(|w| (w[0].1, w[0].2) <= (w[1].1, w[1].2)));
        }
        let (_, slow_missed) = &lagging[3];
        assert!(
            *slow_missed > 0,
            "{release:?}: the slow subscriber should have lagged"
        );
        eprintln!(
            "{release:?}: lagging slow subscriber missed {slow_missed} of {} events",
            2 * PAIRS
        );
    }
}

/// `device_del` (its answer does not mean the device is gone: DEVICE_DELETED does).
#[derive(Debug, Serialize)]
struct DeviceDel {
    id: String,
}

impl Command for DeviceDel {
    const NAME: &'static str = "device_del";
    const ALLOW_OOB: bool = false;
    type Output = Empty;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_del_waits_for_device_deleted() {
    for release in Release::ALL {
        // A paused PC with a USB controller: USB devices unplug without the guest's help.
        let qemu = QemuProcess::system(
            release,
            &["-machine", "pc", "-S", "-device", "qemu-xhci,id=xhci"],
            "",
        );
        let client = connect(&qemu, ClientConfig::default()).await;
        raw(
            &client,
            "device_add",
            json!({"driver": "usb-kbd", "id": "kbd0", "bus": "xhci.0"}),
        )
        .await;
        let command = DeviceDel { id: "kbd0".into() };
        let (_, received) = client
            .execute_then_event(&command, Duration::from_secs(20), |event: &UnknownEvent| {
                event.name == "DEVICE_DELETED" && event.data["device"] == "kbd0"
            })
            .await
            .unwrap();
        assert_eq!(received.event.data["device"], "kbd0", "{release:?}");
        // The device is gone: deleting it again fails.
        let error = client.execute(&command).await.unwrap_err();
        assert!(matches!(error, Error::Qmp { .. }), "{release:?}: {error}");
    }
}

/// `blockdev-mirror` as generated bindings would have it (only the members used here).
#[derive(Debug, Serialize)]
struct BlockdevMirror {
    #[serde(rename = "job-id")]
    job_id: String,
    device: String,
    target: String,
    sync: &'static str,
    #[serde(rename = "auto-dismiss", skip_serializing_if = "Option::is_none")]
    auto_dismiss: Option<bool>,
}

impl Command for BlockdevMirror {
    const NAME: &'static str = "blockdev-mirror";
    const ALLOW_OOB: bool = false;
    type Output = Empty;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mirror_jobs_run_to_their_end_through_the_job_helper() {
    for release in Release::ALL {
        let qemu = QemuProcess::system_none(release);
        let client = connect(&qemu, ClientConfig::default()).await;
        let size = 1 << 20;
        let image = qemu.dir().join("src.img");
        std::fs::write(&image, vec![0x55u8; size]).unwrap();
        let source = json!({"driver": "file", "filename": image});
        raw(
            &client,
            "blockdev-add",
            json!({"driver": "raw", "node-name": "src", "file": source}),
        )
        .await;
        // A copy of the source that fails to read: the raw driver raises blkdebug's `read_aio`.
        raw(
            &client,
            "blockdev-add",
            json!({"driver": "raw", "node-name": "bad", "file": {"driver": "blkdebug",
                "image": source, "inject-error": [{"event": "read_aio", "errno": 5}]}}),
        )
        .await;
        for node in ["dst", "dst1", "dst2"] {
            raw(
                &client,
                "blockdev-add",
                json!({"driver": "null-co", "node-name": node, "size": size}),
            )
            .await;
        }
        let mirror = |job: &str, source: &str, target: &str, auto_dismiss| BlockdevMirror {
            job_id: job.into(),
            device: source.into(),
            target: target.into(),
            sync: "full",
            auto_dismiss,
        };
        // Default (auto-dismissed) and kept until dismissed: both end clean.
        for (job, target, auto_dismiss) in [("m0", "dst", None), ("m1", "dst1", Some(false))] {
            client
                .run_job(
                    &mirror(job, "src", target, auto_dismiss),
                    Some(Duration::from_secs(60)),
                )
                .await
                .unwrap_or_else(|error| panic!("{release:?} {job}: {error}"));
            assert_eq!(
                raw(&client, "query-jobs", json!({})).await,
                json!([]),
                "{release:?}"
            );
        }
        // Failing jobs report QEMU's text, from BLOCK_JOB_COMPLETED (auto-dismissed) or from
        // query-jobs (then dismissed by the helper).
        for (job, auto_dismiss) in [("f0", None), ("f1", Some(false))] {
            let error = client
                .run_job(
                    &mirror(job, "bad", "dst2", auto_dismiss),
                    Some(Duration::from_secs(60)),
                )
                .await
                .unwrap_err();
            assert!(
                matches!(&error, Error::Job { job: got, desc } if got == job && desc.contains("Input/output error")),
                "{release:?}: {error}"
            );
            assert_eq!(
                raw(&client, "query-jobs", json!({})).await,
                json!([]),
                "{release:?}"
            );
        }

        // No job id, no job to follow.
        #[derive(Debug, Serialize)]
        struct NoJobId {}
        impl Command for NoJobId {
            const NAME: &'static str = "blockdev-mirror";
            const ALLOW_OOB: bool = false;
            type Output = Empty;
        }
        let error = client.run_job(&NoJobId {}, None).await.unwrap_err();
        assert!(matches!(error, Error::Arguments { .. }), "{error}");
    }
}
