//! The release diff from the bundled QEMU 7.2.22 schema to the bundled 10.0.2 schema: known
//! changes (each checked against the two files by hand), no masked names, each change once.

use std::collections::BTreeSet;
use std::path::PathBuf;

use qmp_build_tools::diff::{diff_files, ChangeKind, SchemaDiff};

fn schema(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../schemas")
        .join(file)
}

const OLD: &str = "qemu-7.2.22-x86_64.json";
const NEW: &str = "qemu-10.0.2-x86_64.json";

fn release_diff() -> SchemaDiff {
    diff_files(&schema(OLD), &schema(NEW)).unwrap()
}

/// Whether the diff holds exactly one change at `path` of `kind`.
fn has(diff: &SchemaDiff, path: &str, kind: ChangeKind) -> bool {
    diff.changes
        .iter()
        .filter(|c| c.path.to_string() == path && c.kind == kind)
        .count()
        == 1
}

fn paths(diff: &SchemaDiff, wanted: fn(&ChangeKind) -> bool) -> BTreeSet<String> {
    diff.changes
        .iter()
        .filter(|c| wanted(&c.kind))
        .map(|c| c.path.to_string())
        .collect()
}

#[test]
fn commands_and_events_added_and_removed() {
    let diff = release_diff();
    let added = paths(&diff, |k| matches!(k, ChangeKind::CommandAdded { .. }));
    assert_eq!(added.len(), 19, "{added:?}");
    for name in [
        "query-audiodevs",
        "query-cryptodev",
        "blockdev-set-active",
        "block-job-change",
        "xen-event-list",
    ] {
        assert!(added.contains(name), "{name} missing from {added:?}");
    }
    let features = |features: &[&str]| ChangeKind::CommandAdded {
        features: features.iter().map(|f| f.to_string()).collect(),
    };
    assert!(has(
        &diff,
        "query-migrationthreads",
        features(&["deprecated"])
    ));
    assert!(has(
        &diff,
        "x-query-interrupt-controllers",
        features(&["unstable"])
    ));
    assert_eq!(
        paths(&diff, |k| matches!(k, ChangeKind::CommandRemoved)),
        BTreeSet::from(["x-query-profile".to_owned(), "x-query-rdma".to_owned()])
    );
    let events = paths(&diff, |k| matches!(k, ChangeKind::EventAdded { .. }));
    assert!(events.contains("VFIO_MIGRATION") && events.contains("GUEST_PVSHUTDOWN"));
    assert_eq!(events.len(), 5, "{events:?}");
    assert_eq!(
        paths(&diff, |k| matches!(k, ChangeKind::EventRemoved)),
        BTreeSet::from([
            "MEM_UNPLUG_ERROR".to_owned(),
            "RDMA_GID_STATUS_CHANGED".to_owned()
        ])
    );
}

#[test]
fn members_added_removed_and_made_optional() {
    let diff = release_diff();
    assert!(has(
        &diff,
        "query-status/ret-type/singlestep",
        ChangeKind::MemberRemoved
    ));
    assert!(has(
        &diff,
        "migrate/arg-type/blk",
        ChangeKind::MemberRemoved
    ));
    assert!(has(
        &diff,
        "migrate/arg-type/channels",
        ChangeKind::MemberAdded {
            optional: true,
            features: vec![]
        }
    ));
    assert!(has(
        &diff,
        "BLOCK_IO_ERROR/arg-type/qom-path",
        ChangeKind::MemberAdded {
            optional: false,
            features: vec![]
        }
    ));
    // Inside a variant, and inside array elements.
    assert!(has(
        &diff,
        "blockdev-add/arg-type/+qcow2/discard-no-unref",
        ChangeKind::MemberAdded {
            optional: true,
            features: vec![]
        }
    ));
    assert!(has(
        &diff,
        "query-cpus-fast/ret-type/[]/props/module-id",
        ChangeKind::MemberAdded {
            optional: true,
            features: vec![]
        }
    ));
    assert!(has(&diff, "migrate/arg-type/uri", ChangeKind::MadeOptional));
    assert!(has(
        &diff,
        "blockdev-create/arg-type/options/+luks/file",
        ChangeKind::MadeOptional
    ));
    assert!(paths(&diff, |k| matches!(k, ChangeKind::MadeRequired)).is_empty());
}

#[test]
fn types_variants_enum_values_and_features() {
    let diff = release_diff();
    // BlockJobInfo.type was a string and is now the JobType enum.
    assert!(has(
        &diff,
        "query-block-jobs/ret-type/[]/type",
        ChangeKind::TypeChanged {
            old: "str".into(),
            new: "enum".into()
        }
    ));
    // ... and BlockJobInfo became a union on it.
    assert!(has(
        &diff,
        "query-block-jobs/ret-type/[]",
        ChangeKind::TagChanged {
            old: None,
            new: Some("type".into())
        }
    ));
    assert!(has(
        &diff,
        "query-block-jobs/ret-type/[]/+mirror",
        ChangeKind::VariantAdded
    ));
    assert!(has(
        &diff,
        "object-add/arg-type/+sev-snp-guest",
        ChangeKind::VariantAdded
    ));
    assert!(has(
        &diff,
        "object-add/arg-type/qom-type/^sev-snp-guest",
        ChangeKind::EnumValueAdded { features: vec![] }
    ));
    assert!(has(
        &diff,
        "query-target/ret-type/arch/^nios2",
        ChangeKind::EnumValueRemoved
    ));
    assert!(has(
        &diff,
        "chardev-add/arg-type/backend/+console",
        ChangeKind::VariantRemoved
    ));
    // Newly deprecated: an enum value and a member.
    assert!(has(
        &diff,
        "blockdev-add/arg-type/driver/^gluster",
        ChangeKind::FeatureAdded {
            feature: "deprecated".into()
        }
    ));
    assert!(has(
        &diff,
        "chardev-add/arg-type/backend/+socket/data/reconnect",
        ChangeKind::FeatureAdded {
            feature: "deprecated".into()
        }
    ));
}

#[test]
fn paths_never_name_masked_types() {
    let diff = release_diff();
    assert!(diff.changes.len() > 100, "{}", diff.changes.len());
    for change in &diff.changes {
        for component in change.path.components() {
            // Enum values may be numbers (QKeyCode has `^1`); nothing else is.
            let masked = component.trim_start_matches(['+', '|']);
            assert!(
                component.starts_with('^') || !masked.bytes().all(|b| b.is_ascii_digit()),
                "{}",
                change.path
            );
            assert!(!component.contains("[0") && !component.contains("[1"));
        }
        if let ChangeKind::TypeChanged { old, new } = &change.kind {
            assert!(!old.contains(|c: char| c.is_ascii_digit()), "{old}");
            assert!(!new.contains(|c: char| c.is_ascii_digit()), "{new}");
        }
    }
}

#[test]
fn each_change_is_reported_once_at_its_shortest_path() {
    let diff = release_diff();
    let unique: BTreeSet<_> = diff.changes.iter().collect();
    assert_eq!(unique.len(), diff.changes.len());
    // BlockdevDriver is reached from blockdev-add, blockdev-reopen, blockdev-create, ...;
    // `gluster` became deprecated once, reported under the shortest path.
    let gluster: Vec<String> = diff
        .changes
        .iter()
        .filter(|c| c.path.components().last().is_some_and(|p| p == "^gluster"))
        .map(|c| c.path.to_string())
        .collect();
    assert_eq!(gluster, ["blockdev-add/arg-type/driver/^gluster"]);
    // MigrationParameters is shared by migrate-set-parameters and query-migrate-parameters
    // only through two different types (MigrateSetParameters vs MigrationParameters), so
    // both report the removed member.
    assert!(has(
        &diff,
        "migrate-set-parameters/arg-type/compress-level",
        ChangeKind::MemberRemoved
    ));
    assert!(has(
        &diff,
        "query-migrate-parameters/ret-type/compress-level",
        ChangeKind::MemberRemoved
    ));
}

#[test]
fn a_release_against_itself_has_no_changes() {
    for file in [OLD, NEW] {
        let diff = diff_files(&schema(file), &schema(file)).unwrap();
        assert!(diff.is_empty(), "{file}: {diff}");
        assert_eq!(diff.to_string(), "No changes.\n");
    }
}

#[test]
fn the_reverse_diff_mirrors_the_forward_one() {
    let forward = release_diff();
    let backward = diff_files(&schema(NEW), &schema(OLD)).unwrap();
    assert_eq!(forward.changes.len(), backward.changes.len());
    let mirror = |kind: &ChangeKind| match kind {
        ChangeKind::CommandAdded { .. } => "command-removed",
        ChangeKind::CommandRemoved => "command-added",
        ChangeKind::EventAdded { .. } => "event-removed",
        ChangeKind::EventRemoved => "event-added",
        ChangeKind::MemberAdded { .. } => "member-removed",
        ChangeKind::MemberRemoved => "member-added",
        ChangeKind::MadeOptional => "made-required",
        ChangeKind::MadeRequired => "made-optional",
        ChangeKind::VariantAdded => "variant-removed",
        ChangeKind::VariantRemoved => "variant-added",
        ChangeKind::EnumValueAdded { .. } => "enum-value-removed",
        ChangeKind::EnumValueRemoved => "enum-value-added",
        ChangeKind::AlternativeAdded => "alternative-removed",
        ChangeKind::AlternativeRemoved => "alternative-added",
        ChangeKind::FeatureAdded { .. } => "feature-removed",
        ChangeKind::FeatureRemoved { .. } => "feature-added",
        ChangeKind::TypeChanged { .. } => "type-changed",
        ChangeKind::TypeRenamed { .. } => "type-renamed",
        ChangeKind::TagChanged { .. } => "tag-changed",
        ChangeKind::AllowOobChanged { .. } => "allow-oob-changed",
    };
    let tag = |kind: &ChangeKind| {
        serde_json::to_value(kind).unwrap()["change"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let expected: BTreeSet<(String, String)> = forward
        .changes
        .iter()
        .map(|c| (c.path.to_string(), mirror(&c.kind).to_owned()))
        .collect();
    let actual: BTreeSet<(String, String)> = backward
        .changes
        .iter()
        .map(|c| (c.path.to_string(), tag(&c.kind)))
        .collect();
    assert_eq!(expected, actual);
}

#[test]
fn human_and_json_output() {
    let diff = release_diff();
    let text = diff.to_string();
    assert!(
        text.starts_with(&format!("{} changes\n", diff.changes.len())),
        "{text}"
    );
    assert!(text.contains("\nCommands added (19):\n"), "{text}");
    assert!(
        text.contains("\n  query-migrationthreads [deprecated]\n"),
        "{text}"
    );
    assert!(
        text.contains("\n  migrate/arg-type/channels (optional)\n"),
        "{text}"
    );
    assert!(
        text.contains("\n  query-block-jobs/ret-type/[]/type: str → enum\n"),
        "{text}"
    );
    assert!(
        text.contains("\n  blockdev-add/arg-type/driver/^gluster: deprecated\n"),
        "{text}"
    );
    // Sections come in a fixed order.
    let added = text.find("Commands added").unwrap();
    let removed = text.find("Members removed").unwrap();
    let features = text.find("Features gained").unwrap();
    assert!(added < removed && removed < features, "{text}");

    let json: serde_json::Value = serde_json::from_str(&diff.to_json().unwrap()).unwrap();
    let changes = json["changes"].as_array().unwrap();
    assert_eq!(changes.len(), diff.changes.len());
    assert!(changes.contains(&serde_json::json!({
        "path": "migrate/arg-type/uri",
        "change": "made-optional"
    })));
    assert!(changes.contains(&serde_json::json!({
        "path": "migrate/arg-type/channels",
        "change": "member-added",
        "optional": true,
        "features": []
    })));
    assert!(changes.contains(&serde_json::json!({
        "path": "query-block-jobs/ret-type/[]/type",
        "change": "type-changed",
        "old": "str",
        "new": "enum"
    })));
}
