//! Snapshot tests of the generated code a reviewer can read: chosen items of every bundled
//! schema generated with its bundled reference manual (QEMU's names and docs), and one
//! pruned, unstable-free selection. Any change to them shows up as a `.snap` diff under
//! `tests/snapshots/`; the whole files are checked by the compile test instead.

use std::sync::Arc;

use qmp_build_tools::bundled::{self, BUNDLED};
use qmp_build_tools::engine::{self, Settings};
use qmp_build_tools::reference;

/// Settings that use the manual bundled with the bundled schema `file`.
fn with_manual(file: &str) -> Settings {
    let (name, bytes) = bundled::find_reference(file).expect("a bundled manual");
    let manual = reference::read_bytes(bytes, name).unwrap_or_else(|e| panic!("{name}: {e}"));
    Settings {
        reference: Some(Arc::new(manual)),
        ..Settings::default()
    }
}

/// The top-level items of `code` (separated by blank lines) that declare one of `names`,
/// with their docs and attributes, in `names` order.
fn chosen_items(code: &str, names: &[&str]) -> String {
    let items: Vec<&str> = code.split("\n\n").collect();
    let mut out = String::new();
    for name in names {
        let declares = |item: &&&str| {
            item.lines().any(|line| {
                [
                    format!("pub struct {name} "),
                    format!("pub struct {name}("),
                    format!("pub struct {name};"),
                    format!("pub enum {name} "),
                ]
                .iter()
                .any(|start| line.starts_with(start.as_str()))
            })
        };
        let item = items
            .iter()
            .find(declares)
            .unwrap_or_else(|| panic!("no item `{name}` in the generated code"));
        out.push_str(item);
        out.push_str("\n\n");
    }
    out
}

#[test]
fn chosen_items_of_every_bundled_schema_with_its_manual() {
    assert!(!BUNDLED.is_empty());
    for (file, json) in BUNDLED {
        let output = engine::generate(json, file, &with_manual(file))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let items = chosen_items(
            &output.code,
            &[
                "QueryBlock",
                "BlockInfo",
                "BlockdevAdd",
                "BlockdevMirror",
                "MirrorSyncMode",
                "BlockdevRef",
                "BlockJobCompleted",
                "StatusInfo",
            ],
        );
        let name = format!("items-{}", file.trim_end_matches(".json"));
        insta::assert_snapshot!(name, items);
    }
}

#[test]
fn generated_code_of_a_pruned_stable_selection() {
    let (file, json) = BUNDLED.last().copied().expect("a bundled schema");
    let mut settings = with_manual(file);
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
    for settings in [Settings::default(), with_manual(file)] {
        let first = engine::generate(json, file, &settings).expect("generate");
        let second = engine::generate(json, file, &settings).expect("generate");
        assert!(first.code == second.code, "two runs differ");
    }
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

#[test]
fn docs_render_types_as_written_in_rust() {
    // Type text in docs comes from the naming stage, not from a token stream's `to_string()`
    // (which spaces tokens out: ``Returns `Vec < QomListItem >` ``).
    for (file, json) in BUNDLED {
        let output = engine::generate(json, file, &Settings::default()).expect("generate");
        let mut checked = 0;
        for line in output.code.lines().map(str::trim_start) {
            let Some(doc) = line.strip_prefix("///") else {
                continue;
            };
            if !(doc.contains("returns `") || doc.contains(" are a `")) {
                continue;
            }
            checked += 1;
            for spaced in [" < ", " >", ":: ", " ::qmp"] {
                assert!(!doc.contains(spaced), "{file}: token spacing in {line:?}");
            }
        }
        assert!(checked > 200, "{file}: only {checked} type docs found");
        assert!(output
            .code
            .contains("/// QMP command `qom-list`: returns `Vec<QomListItem>`; allow OOB: no."));
    }
}

#[test]
fn generated_files_carry_no_helper_code() {
    // Decoding helpers live in `qmp_types::__private`; a generated file holds only the
    // bindings' own items.
    for (file, json) in BUNDLED {
        let output = engine::generate(json, file, &Settings::default()).expect("generate");
        let code = &output.code;
        assert!(!code.contains("__qmp_int"), "{file}");
        assert!(!code.lines().any(|l| l.starts_with("mod ")), "{file}");
        assert!(!code.contains("fn deserialize"), "{file}");
        assert!(
            code.contains("deserialize_with = \"::qmp_types::__private::deserialize_i128\""),
            "{file}"
        );
    }
}

#[test]
fn optional_members_that_may_be_null_keep_a_present_null() {
    let (file, json) = BUNDLED.last().copied().expect("a bundled schema");
    let output = engine::generate(json, file, &Settings::default()).expect("generate");
    // `query-qmp-schema`'s `default` (type `any`) is one of them.
    let code = &output.code;
    let default = code
        .find("    pub default: Option<::qmp_types::serde_json::Value>,")
        .expect("the `default` member");
    let attrs = &code[code[..default].rfind("#[serde(").expect("serde attribute")..default];
    assert!(
        attrs.contains("deserialize_with = \"::qmp_types::__private::deserialize_present\""),
        "{attrs}"
    );
    assert!(attrs.contains("default,"), "{attrs}");
}

#[test]
fn both_directions_derives_serialize_and_deserialize_everywhere() {
    let (file, json) = BUNDLED.last().copied().expect("a bundled schema");
    let one_way = engine::generate(json, file, &Settings::default()).expect("generate");
    let settings = Settings {
        both_directions: true,
        ..Settings::default()
    };
    let both = engine::generate(json, file, &settings).expect("generate");
    let derives = |code: &str, what: &str| code.matches(what).count();
    let serializing = |code: &str| {
        derives(code, "::qmp_types::serde::Serialize")
            + derives(code, "::qmp_types::SerializeObject")
    };
    let deserializing = |code: &str| {
        derives(code, "::qmp_types::serde::Deserialize")
            + derives(code, "::qmp_types::DeserializeObject")
            + derives(code, "::qmp_types::DeserializeUnion")
            + derives(code, "::qmp_types::DeserializeAlternate")
    };
    // Every type with serde impls has the `crate` attribute (serde's derives read it, ours
    // accept it).
    let typed = |code: &str| derives(code, "#[serde(crate = ");
    for code in [&one_way.code, &both.code] {
        assert!(serializing(code) > 0);
        // Structs of named members only use the lean derives; the others serde's.
        assert!(derives(code, "::qmp_types::SerializeObject") > 100);
        assert!(derives(code, "::qmp_types::DeserializeObject") > 100);
        assert!(derives(code, "::qmp_types::serde::Serialize") > 0);
        assert!(derives(code, "::qmp_types::serde::Deserialize") > 0);
    }
    // One way, some types lack a direction; both ways, every type has both.
    assert!(serializing(&one_way.code) < typed(&one_way.code));
    assert!(deserializing(&one_way.code) < typed(&one_way.code));
    assert_eq!(serializing(&both.code), typed(&both.code));
    assert_eq!(deserializing(&both.code), typed(&both.code));
    assert!(derives(&both.code, "::qmp_types::DeserializeUnion") > 0);
    assert!(derives(&both.code, "::qmp_types::DeserializeAlternate") > 0);
    // Commands (sent only, by schema) decode as well.
    assert!(both.code.contains(
        "    ::qmp_types::SerializeObject,\n    ::qmp_types::DeserializeObject,\n    \
         ::qmp_types::Command\n)]\n#[serde(crate = \"::qmp_types::serde\")]\n\
         #[doc(alias = \"query-status\")]\n\
         #[qmp(name = \"query-status\", returns = QueryStatusReturn)]"
    ));
}

#[test]
fn constructors_take_conversions_and_box_internally() {
    let (file, json) = BUNDLED.last().copied().expect("a bundled schema");
    let code = engine::generate(json, file, &with_manual(file))
        .expect("generate")
        .code;
    // No constructor asks its caller for a `Box` or a `String`.
    let constructors: Vec<&str> = code
        .lines()
        .filter(|line| line.trim_start().starts_with("pub fn new("))
        .collect();
    assert!(constructors.len() > 100, "{}", constructors.len());
    for line in &constructors {
        assert!(!line.contains("Box<"), "{line}");
        assert!(!line.contains(": String"), "{line}");
    }
    assert!(code.contains(
        "    pub fn new(driver: impl ::core::convert::Into<String>) -> Self {\n        Self {\n            \
         driver: driver.into(),"
    ));
    // A recursion-breaking box is filled by the constructor.
    assert!(code.contains(
        "    pub fn new(file: impl ::core::convert::Into<BlockdevRef>) -> Self {\n        Self {\n            \
         file: ::std::boxed::Box::new(file.into()),"
    ));
    // Alternates convert from each branch (and from `&str` for a string branch); union
    // variants from a payload type no other variant has.
    for conversion in [
        "impl ::core::convert::From<BlockdevOptions> for BlockdevRef {",
        "impl ::core::convert::From<&str> for BlockdevRef {",
        "impl ::core::convert::From<BlockdevOptionsQcow2> for BlockdevOptionsVariant {",
    ] {
        assert!(code.contains(conversion), "{conversion}");
    }
    assert!(!code.contains("impl ::core::convert::From<BlockdevOptionsGenericFormat> for"));
    // A `null` alternative is a unit variant.
    assert!(!code.contains("Null(())"));
    assert!(code.contains("    /// Alternative `Null`.\n    Null,\n}"));
}
