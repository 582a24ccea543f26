//! Snapshot tests of the generated code: every bundled schema in full, and one pruned,
//! unstable-free selection small enough to review by eye. Any change to the output shows up
//! as a `.snap` diff under `tests/snapshots/`.

use qmp_build_tools::bundled::BUNDLED;
use qmp_build_tools::engine::{self, Settings};

#[test]
fn generated_code_of_every_bundled_schema() {
    assert!(!BUNDLED.is_empty());
    for (file, json) in BUNDLED {
        let output = engine::generate(json, file, &Settings::default())
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let name = format!("generated-{}", file.trim_end_matches(".json"));
        insta::assert_snapshot!(name, output.code);
    }
}

#[test]
fn generated_code_of_a_pruned_stable_selection() {
    let (file, json) = BUNDLED.last().copied().expect("a bundled schema");
    let mut settings = Settings::default();
    settings.selection.exclude_unstable = true;
    settings.selection.only_commands = Some(
        [
            "query-status",
            "blockdev-del",
            "query-memory-devices",
            "qom-list",
        ]
        .map(String::from)
        .into(),
    );
    settings.selection.only_events = Some(
        ["STOP", "MEMORY_DEVICE_SIZE_CHANGE"]
            .map(String::from)
            .into(),
    );
    let output = engine::generate(json, file, &settings).expect("generate");
    insta::assert_snapshot!("generated-pruned", output.code);
}

#[test]
fn output_is_deterministic() {
    let (file, json) = BUNDLED.last().copied().expect("a bundled schema");
    let first = engine::generate(json, file, &Settings::default()).expect("generate");
    let second = engine::generate(json, file, &Settings::default()).expect("generate");
    assert!(first.code == second.code, "two runs differ");
}

#[test]
fn every_meta_type_is_represented_and_counted() {
    let (file, json) = BUNDLED.last().copied().expect("a bundled schema");
    let output = engine::generate(json, file, &Settings::default()).expect("generate");
    for meta in [
        "alternate",
        "array",
        "builtin",
        "command",
        "enum",
        "event",
        "object",
    ] {
        let (total, generated) = output.counts[meta];
        assert!(total > 0, "{meta}");
        assert_eq!(
            total, generated,
            "{meta}: nothing is dropped without pruning"
        );
    }
    let (commands, _) = output.counts["command"];
    let (events, _) = output.counts["event"];
    assert_eq!(
        output.code.matches("::qmp_types::Command").count(),
        commands
    );
    let event_derives = output.code.matches("::qmp_types::Event").count()
        - output.code.matches("::qmp_types::EventSet").count();
    assert_eq!(event_derives, events);
    // The `Event` enum has one variant per event, plus the fallback.
    let enum_start = output.code.find("pub enum Event {").expect("Event enum");
    let enum_end = enum_start + output.code[enum_start..].find("\n}\n").expect("enum end");
    let variants = output.code[enum_start..enum_end]
        .matches("#[qmp(name = ")
        .count();
    assert_eq!(variants, events);
}
