//! QEMU's names for every masked named type: the bundled 7.2.22 and 10.0.2 x86_64 schemas
//! with their bundled manuals, and the `query-qmp-schema` of real `qemu-storage-daemon` 7.2
//! and 10.0 with the manual each release installed; plus the names the issue asked for at
//! chosen schema paths, and bad manuals that must not stop generation.

use std::collections::BTreeMap;
use std::sync::Arc;

use qmp_build_tools::bundled;
use qmp_build_tools::engine::{self, Settings};
use qmp_build_tools::reference::{self, Manual};
use qmp_testkit::{QemuProcess, Release};
use qmp_types::blocking::Client;
use qmp_types::client::ClientConfig;
use qmp_types::introspection::{SchemaInfo, SchemaInfoKind};

fn bundled_manual(file: &str) -> Manual {
    let (name, bytes) = bundled::find_reference(file).expect("a bundled manual");
    reference::read_bytes(bytes, name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn bundled_schema(file: &str) -> &'static str {
    bundled::find(file).expect("a bundled schema").1
}

fn generate(json: &str, source: &str, manual: Manual) -> engine::Output {
    let settings = Settings {
        reference: Some(Arc::new(manual)),
        ..Settings::default()
    };
    engine::generate(json, source, &settings).unwrap_or_else(|e| panic!("{source}: {e}"))
}

/// Asserts that every masked named type got QEMU's name; returns (named, total).
fn assert_all_named(json: &str, source: &str, manual: Manual) -> (usize, usize) {
    let output = generate(json, source, manual);
    let (named, total) = output.qemu_named.expect("a manual was used");
    println!("{source}: {named} of {total} masked named types carry QEMU's name");
    assert_eq!(
        named,
        total,
        "{source}: unnamed types:\n{}",
        output.reference_notes.join("\n")
    );
    assert!(total > 100, "{source}: only {total} named types");
    (named, total)
}

#[test]
fn every_masked_type_of_the_bundled_schemas_gets_its_qemu_name() {
    for file in ["qemu-7.2.22-x86_64.json", "qemu-10.0.2-x86_64.json"] {
        assert_all_named(bundled_schema(file), file, bundled_manual(file));
    }
}

#[test]
fn every_masked_type_of_both_storage_daemons_gets_its_qemu_name() {
    for release in Release::ALL {
        let daemon = QemuProcess::storage_daemon(release);
        let client = Client::connect_unix(daemon.socket(), ClientConfig::default())
            .unwrap_or_else(|e| panic!("qemu-storage-daemon {}: {e}", release.version()));
        let schema = client
            .execute_raw("query-qmp-schema", None)
            .expect("query-qmp-schema")
            .to_string();
        let path = release
            .root()
            .join("usr/share/man/man7/qemu-storage-daemon-qmp-ref.7.gz");
        let manual = reference::read(&path).unwrap_or_else(|e| panic!("{e}"));
        let source = format!("qemu-storage-daemon {}", release.version());
        let output = generate(&schema, &source, manual.clone());
        assert!(output.warnings.is_empty(), "{:?}", output.warnings);
        assert_all_named(&schema, &source, manual);
    }
}

/// The Rust type at a path of schema names: `command:arg|case.member[]`.
fn names_at(file: &str) -> BTreeMap<String, String> {
    let json = bundled_schema(file);
    let listing = engine::names_with_reference(json, &BTreeMap::new(), Some(&bundled_manual(file)))
        .expect("names");
    listing
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect()
}

/// Follows `steps` (member names, or `|case` for a union variant) from a command's
/// argument (`arg`) or return (`ret`) or an event's data.
fn type_at(entries: &[SchemaInfo], root: &str, side: &str, steps: &[&str]) -> String {
    let by_name: BTreeMap<&str, &SchemaInfo> =
        entries.iter().map(|e| (e.name.as_str(), e)).collect();
    let mut current = match (&by_name[root].kind, side) {
        (SchemaInfoKind::Command { arg_type, .. }, "arg") => arg_type.clone(),
        (SchemaInfoKind::Command { ret_type, .. }, "ret") => ret_type.clone(),
        (SchemaInfoKind::Event { arg_type }, _) => arg_type.clone(),
        _ => panic!("{root} {side}"),
    };
    for step in steps {
        let entry = by_name[current.as_str()];
        current = match (&entry.kind, step.strip_prefix('|')) {
            (SchemaInfoKind::Array { element_type }, _) if *step == "[]" => element_type.clone(),
            (SchemaInfoKind::Object { variants, .. }, Some(case)) => variants
                .iter()
                .find(|v| v.case == case)
                .unwrap_or_else(|| panic!("no case {case}"))
                .type_
                .clone(),
            (SchemaInfoKind::Object { members, .. }, None) => members
                .iter()
                .find(|m| m.name == *step)
                .unwrap_or_else(|| panic!("no member {step}"))
                .type_
                .clone(),
            _ => panic!("cannot take {step} at {current}"),
        };
    }
    current
}

#[test]
fn the_types_the_issue_names_carry_qemus_names_in_both_releases() {
    for file in ["qemu-7.2.22-x86_64.json", "qemu-10.0.2-x86_64.json"] {
        let entries: Vec<SchemaInfo> = serde_json::from_str(bundled_schema(file)).expect("schema");
        let names = names_at(file);
        let at = |root: &str, side: &str, steps: &[&str]| {
            names[&type_at(&entries, root, side, steps)].clone()
        };
        for (case, expected) in [
            ("bochs", "BlockdevOptionsGenericFormat"),
            ("cloop", "BlockdevOptionsGenericFormat"),
            ("vdi", "BlockdevOptionsGenericFormat"),
            ("vpc", "BlockdevOptionsGenericFormat"),
            ("parallels", "BlockdevOptionsGenericFormat"),
            ("vmdk", "BlockdevOptionsGenericCOWFormat"),
            ("qcow2", "BlockdevOptionsQcow2"),
        ] {
            let variant = format!("|{case}");
            assert_eq!(
                at("blockdev-add", "arg", &[&variant]),
                expected,
                "{file} {case}"
            );
        }
        assert_eq!(at("blockdev-add", "arg", &[]), "BlockdevOptions", "{file}");
        assert_eq!(
            at("blockdev-add", "arg", &["|qcow2", "file"]),
            "BlockdevRef"
        );
        assert_eq!(at("blockdev-mirror", "arg", &["sync"]), "MirrorSyncMode");
        assert_eq!(at("BLOCK_JOB_COMPLETED", "data", &["type"]), "JobType");
        assert_eq!(at("query-block", "ret", &[]), "Vec<BlockInfo>");
        assert_eq!(
            at("query-block", "ret", &["[]", "inserted"]),
            "BlockDeviceInfo"
        );
        assert_eq!(at("query-status", "ret", &["status"]), "RunState");
        assert_eq!(at("query-cpus-fast", "ret", &[]), "Vec<CpuInfoFast>");
        assert_eq!(
            at("query-cpu-model-expansion", "ret", &[]),
            "CpuModelExpansionInfo"
        );
        assert_eq!(at("query-dump", "ret", &[]), "DumpQueryResult");
        assert_eq!(at("query-commands", "ret", &[]), "Vec<CommandInfo>");
        assert_eq!(
            at("query-chardev-backends", "ret", &[]),
            "Vec<ChardevBackendInfo>"
        );
        let longest = names.values().map(String::len).max().unwrap_or(0);
        assert!(longest <= 40, "{file}: a name of {longest} characters");
    }
}

#[test]
fn bad_manuals_warn_and_generation_still_succeeds() {
    let file = "qemu-10.0.2-x86_64.json";
    let json = bundled_schema(file);
    // Another program's manual (the guest agent's): a warning, and nothing to name.
    let ga = reference::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../schemas/guest-agent/qemu-ga-10.0.2.ref.7.gz")
            .as_path(),
    )
    .expect("the agent's manual reads");
    let output = generate(json, file, ga);
    assert!(
        output
            .warnings
            .iter()
            .any(|w| w.contains("the manual documents the guest agent")),
        "{:?}",
        output.warnings
    );
    assert!(output.code.contains("pub struct QueryStatus"));

    // A manual cut in the middle: partial names, the rest from use sites.
    let (name, bytes) = bundled::find_reference(file).expect("bundled manual");
    let full = reference::read_bytes(bytes, name).expect("reads");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(bytes), &mut text)
        .expect("gunzip");
    let cut = &text[..text.len() / 2];
    let half = reference::parse(cut, "half.7").expect("half a manual still parses");
    assert!(half.definitions.len() < full.definitions.len());
    assert!(
        half.warnings.iter().all(|w| w.line > 0),
        "{:?}",
        half.warnings
    );
    let output = generate(json, file, half);
    let (named, total) = output.qemu_named.expect("used");
    assert!(named > 0 && named < total, "{named} of {total}");
    assert!(output.code.contains("pub struct QueryStatus"));
}
