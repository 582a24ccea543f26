//! Live capability probing: fetch `query-qmp-schema` from real QEMU 7.2 and 10.0.2 and probe
//! what each release has.

use qmp_testkit::{QemuProcess, Release};
use qmp_types::blocking::Client;
use qmp_types::client::ClientConfig;
use qmp_types::introspection::{QueryQmpSchema, SchemaInfo, SchemaInfoKind};
use qmp_types::probe::SchemaIndex;

fn command_names(entries: &[SchemaInfo]) -> Vec<&str> {
    let mut names: Vec<&str> = entries
        .iter()
        .filter(|e| matches!(e.kind, SchemaInfoKind::Command { .. }))
        .map(|e| e.name.as_str())
        .collect();
    names.sort_unstable();
    names
}

#[test]
fn probes_the_schema_of_running_qemu() {
    for release in Release::ALL {
        let qemu = QemuProcess::system_none(release);
        let client = Client::connect_unix(qemu.socket(), ClientConfig::default()).unwrap();
        let entries = client.execute(&QueryQmpSchema {}).unwrap();
        let bundled: Vec<SchemaInfo> = serde_json::from_str(
            &std::fs::read_to_string(format!(
                "{}/../schemas/qemu-{}-x86_64.json",
                env!("CARGO_MANIFEST_DIR"),
                release.version()
            ))
            .unwrap(),
        )
        .unwrap();
        // The running binary has the commands of its bundled capture.
        assert_eq!(
            command_names(&entries),
            command_names(&bundled),
            "{release:?}"
        );

        let schema = SchemaIndex::new(entries).unwrap();
        let is_new = release == Release::V10_0;
        assert!(schema.has_command::<QueryQmpSchema>(), "{release:?}");
        assert!(schema.has_event_named("STOP"), "{release:?}");
        assert!(schema
            .query("query-status/ret-type/running/!boolean")
            .unwrap());
        assert!(schema.query("blockdev-add/arg-type/+file/*aio").unwrap());
        for (query, in_new) in [
            ("query-audiodevs", true),
            ("query-status/ret-type/singlestep", false),
            ("migrate/arg-type/*uri", true),
            ("object-add/arg-type/qom-type/^sev-snp-guest", true),
            ("query-cpus-fast/ret-type/props/*module-id", true),
            ("blockdev-add/arg-type/driver/^gluster/$deprecated", true),
        ] {
            assert_eq!(
                schema.query(query).unwrap(),
                in_new == is_new,
                "{release:?}: {query}"
            );
        }
    }
}
