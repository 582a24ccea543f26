//! Live `supports`: each real QEMU release answers from its own `query-qmp-schema`, fetched
//! once per connection, for every command and event that only one of QEMU 7.2.22 and
//! 10.0.2 has, and for members and enum values.

use std::sync::Arc;

use qmp_testkit::{QemuProcess, Release};
use qmp_types::client::{ClientConfig, Error};
use qmp_types::introspection::QueryQmpSchema;
use qmp_types::probe::Query;
use qmp_types::wire::ErrorClass;
use qmp_types::{Command, Empty, Event};
use serde::{Deserialize, Serialize};

/// Commands without arguments written by hand (so the test needs no generated bindings), and
/// the release that has them.
macro_rules! commands {
    ($($name:ident = $wire:literal in $release:ident;)*) => {
        $(
            #[derive(Serialize)]
            struct $name {}
            impl Command for $name {
                const NAME: &'static str = $wire;
                const ALLOW_OOB: bool = false;
                type Output = Empty;
            }
        )*
        /// Whether `client`'s server has each command, with its wire name.
        fn commands_supported(client: &qmp_types::blocking::Client) -> Vec<(&'static str, Release, bool)> {
            vec![$(($wire, Release::$release, client.supports::<$name>().unwrap()),)*]
        }
    };
}

/// Events written by hand, and the release that has them.
macro_rules! events {
    ($($name:ident = $wire:literal in $release:ident;)*) => {
        $(
            #[derive(Deserialize)]
            struct $name {}
            impl Event for $name {
                const NAME: &'static str = $wire;
            }
        )*
        /// Whether `client`'s server can send each event, with its wire name.
        fn events_supported(client: &qmp_types::blocking::Client) -> Vec<(&'static str, Release, bool)> {
            vec![$(($wire, Release::$release, client.supports_event::<$name>().unwrap()),)*]
        }
    };
}

// Every command that only one of the two bundled schemas has (the list is checked against
// the schemas below, so a new capture cannot leave it stale).
commands! {
    XQueryProfile = "x-query-profile" in V7_2;
    XQueryRdma = "x-query-rdma" in V7_2;
    BlockJobChange = "block-job-change" in V10_0;
    BlockdevSetActive = "blockdev-set-active" in V10_0;
    CxlAddDynamicCapacity = "cxl-add-dynamic-capacity" in V10_0;
    CxlInjectCorrectableError = "cxl-inject-correctable-error" in V10_0;
    CxlInjectDramEvent = "cxl-inject-dram-event" in V10_0;
    CxlInjectGeneralMediaEvent = "cxl-inject-general-media-event" in V10_0;
    CxlInjectMemoryModuleEvent = "cxl-inject-memory-module-event" in V10_0;
    CxlInjectPoison = "cxl-inject-poison" in V10_0;
    CxlInjectUncorrectableErrors = "cxl-inject-uncorrectable-errors" in V10_0;
    CxlReleaseDynamicCapacity = "cxl-release-dynamic-capacity" in V10_0;
    DeviceSyncConfig = "device-sync-config" in V10_0;
    QueryAudiodevs = "query-audiodevs" in V10_0;
    QueryCryptodev = "query-cryptodev" in V10_0;
    QueryHvBalloonStatusReport = "query-hv-balloon-status-report" in V10_0;
    QueryMigrationthreads = "query-migrationthreads" in V10_0;
    RequestEbpf = "request-ebpf" in V10_0;
    XQueryInterruptControllers = "x-query-interrupt-controllers" in V10_0;
    XenEventInject = "xen-event-inject" in V10_0;
    XenEventList = "xen-event-list" in V10_0;
}

// Every event that only one of the two bundled schemas has.
events! {
    MemUnplugError = "MEM_UNPLUG_ERROR" in V7_2;
    RdmaGidStatusChanged = "RDMA_GID_STATUS_CHANGED" in V7_2;
    GuestPvshutdown = "GUEST_PVSHUTDOWN" in V10_0;
    HvBalloonStatusReport = "HV_BALLOON_STATUS_REPORT" in V10_0;
    NetdevVhostUserConnected = "NETDEV_VHOST_USER_CONNECTED" in V10_0;
    NetdevVhostUserDisconnected = "NETDEV_VHOST_USER_DISCONNECTED" in V10_0;
    VfioMigration = "VFIO_MIGRATION" in V10_0;
}

/// The names of `meta_type` entries in the bundled schema of `release`.
fn bundled_names(release: Release, meta_type: &str) -> Vec<String> {
    let path = format!(
        "{}/../schemas/qemu-{}-x86_64.json",
        env!("CARGO_MANIFEST_DIR"),
        release.version()
    );
    let entries: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    entries
        .iter()
        .filter(|e| e["meta-type"] == meta_type)
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect()
}

/// The names one release's bundled schema has and the other's lacks, sorted.
fn only_in(release: Release, meta_type: &str) -> Vec<String> {
    let other = if release == Release::V7_2 {
        Release::V10_0
    } else {
        Release::V7_2
    };
    let theirs = bundled_names(other, meta_type);
    let mut only: Vec<String> = bundled_names(release, meta_type)
        .into_iter()
        .filter(|name| !theirs.contains(name))
        .collect();
    only.sort();
    only
}

#[test]
fn supports_answers_from_each_servers_own_schema() {
    for release in Release::ALL {
        let qemu = QemuProcess::system_none(release);
        let client =
            qmp_types::blocking::Client::connect_unix(qemu.socket(), ClientConfig::default())
                .unwrap();

        for (what, supported) in [
            ("command", commands_supported(&client)),
            ("event", events_supported(&client)),
        ] {
            // The hand-written lists are exactly the names one release has alone.
            let meta_type = what;
            for listed_release in Release::ALL {
                let mut listed: Vec<String> = supported
                    .iter()
                    .filter(|(_, r, _)| *r == listed_release)
                    .map(|(name, _, _)| name.to_string())
                    .collect();
                listed.sort();
                assert_eq!(listed, only_in(listed_release, meta_type), "{what}s");
            }
            for (name, has_it, supported) in &supported {
                assert_eq!(
                    *supported,
                    *has_it == release,
                    "{release:?} {what} `{name}`"
                );
            }
        }

        // Members and enum values, through path queries: (query, in 7.2.22, in 10.0.2).
        let is_new = release == Release::V10_0;
        for (query, in_old, in_new) in [
            ("query-status/ret-type/running", true, true),
            ("query-status/ret-type/singlestep", true, false),
            ("migrate/arg-type/*uri", false, true),
            ("migrate/arg-type/*channels", false, true),
            ("object-add/arg-type/qom-type/^sev-snp-guest", false, true),
            ("blockdev-add/arg-type/+file/aio/^io_uring", true, true),
        ] {
            let query = Query::parse(query).unwrap();
            assert_eq!(
                client.supports_query(&query).unwrap(),
                if is_new { in_new } else { in_old },
                "{release:?}: {query}"
            );
        }

        // Asked once per connection: every later answer, on any clone, is the same index.
        let first = client.schema().unwrap();
        assert!(Arc::ptr_eq(&first, &client.clone().schema().unwrap()));
        // A command the server lacks still fails with QEMU's typed error when called.
        let missing = if is_new {
            client.execute(&XQueryProfile {}).unwrap_err()
        } else {
            client.execute(&QueryAudiodevs {}).unwrap_err()
        };
        assert!(
            matches!(
                &missing,
                Error::Qmp {
                    class: ErrorClass::CommandNotFound,
                    ..
                }
            ),
            "{release:?}: {missing:?}"
        );
        assert!(client.supports::<QueryQmpSchema>().unwrap(), "{release:?}");
    }
}

#[tokio::test]
async fn callers_at_the_same_time_share_one_schema_request() {
    let qemu = QemuProcess::system_none(Release::V10_0);
    let client = qmp_types::client::Client::connect_unix(qemu.socket(), ClientConfig::default())
        .await
        .unwrap();
    let (a, b, c) = tokio::join!(
        client.schema(),
        client.schema(),
        client.supports::<QueryAudiodevs>()
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(
        Arc::ptr_eq(&a, &b),
        "one index for concurrent first callers"
    );
    assert!(c.unwrap());
    assert!(Arc::ptr_eq(&a, &client.schema().await.unwrap()));
}
