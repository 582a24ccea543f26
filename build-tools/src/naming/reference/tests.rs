//! Unit tests of the schema/manual walk on small hand-made schemas and manuals.

use std::collections::BTreeMap;

use qmp_types::introspection::SchemaInfo;
use serde_json::json;

use super::match_manual;
use crate::reference::{
    Branch, Definition, DefinitionKind, Manual, Member, Program, Returns, TypeExpr,
};

fn schema(entries: serde_json::Value) -> Vec<SchemaInfo> {
    serde_json::from_value(entries).expect("valid schema entries")
}

fn named(name: &str) -> TypeExpr {
    TypeExpr::Named(name.to_owned())
}

fn member(name: &str, ty: TypeExpr, optional: bool) -> Member {
    Member {
        name: name.to_owned(),
        ty: Some(ty),
        optional,
        doc: format!("the {name}"),
    }
}

fn value(name: &str) -> Member {
    Member {
        name: name.to_owned(),
        ..Member::default()
    }
}

fn definition(name: &str, kind: DefinitionKind, members: Vec<Member>) -> Definition {
    Definition {
        name: name.to_owned(),
        kind,
        line: 1,
        since: None,
        doc: String::new(),
        members,
        bases: Vec::new(),
        branches: Vec::new(),
        returns: None,
        features: Vec::new(),
    }
}

fn manual(definitions: Vec<Definition>) -> Manual {
    Manual {
        source: "test.7".to_owned(),
        program: Program::SystemEmulator,
        version: None,
        definitions: definitions
            .into_iter()
            .map(|d| (d.name.clone(), d))
            .collect(),
        warnings: Vec::new(),
    }
}

fn names(schema: &[SchemaInfo], manual: &Manual) -> BTreeMap<String, String> {
    match_manual(schema, manual).names
}

#[test]
fn documented_types_name_what_they_point_at_through_arrays() {
    let entries = schema(json!([
        {"name": "query-block", "meta-type": "command", "arg-type": "0", "ret-type": "[17]"},
        {"name": "0", "meta-type": "object", "members": []},
        {"name": "[17]", "meta-type": "array", "element-type": "17"},
        {"name": "17", "meta-type": "object", "members": [
            {"name": "device", "type": "str"},
            {"name": "inserted", "type": "18", "default": null}]},
        {"name": "18", "meta-type": "object", "members": [{"name": "ro", "type": "bool"}]},
        {"name": "str", "meta-type": "builtin", "json-type": "string"},
        {"name": "bool", "meta-type": "builtin", "json-type": "boolean"}
    ]));
    let mut query = definition("query-block", DefinitionKind::Command, Vec::new());
    query.returns = Some(Returns {
        ty: Some(TypeExpr::Array(Box::new(named("BlockInfo")))),
        doc: String::new(),
    });
    let manual = manual(vec![
        query,
        definition(
            "BlockInfo",
            DefinitionKind::Object,
            vec![
                member("device", named("string"), false),
                member("inserted", named("BlockDeviceInfo"), true),
            ],
        ),
        definition(
            "BlockDeviceInfo",
            DefinitionKind::Object,
            vec![member("ro", named("boolean"), false)],
        ),
    ]);
    let found = names(&entries, &manual);
    assert_eq!(found.get("17").map(String::as_str), Some("BlockInfo"));
    assert_eq!(found.get("18").map(String::as_str), Some("BlockDeviceInfo"));
    assert_eq!(found.len(), 2);
}

#[test]
fn named_arguments_unions_and_empty_cases() {
    let entries = schema(json!([
        {"name": "blockdev-add", "meta-type": "command", "arg-type": "5", "ret-type": "0"},
        {"name": "0", "meta-type": "object", "members": []},
        {"name": "5", "meta-type": "object",
         "members": [{"name": "driver", "type": "6"}, {"name": "node-name", "type": "str", "default": null}],
         "tag": "driver",
         "variants": [{"case": "qcow2", "type": "7"}, {"case": "null-co", "type": "0"}]},
        {"name": "6", "meta-type": "enum", "values": ["qcow2", "null-co"]},
        {"name": "7", "meta-type": "object", "members": [{"name": "file", "type": "str"}]},
        {"name": "str", "meta-type": "builtin", "json-type": "string"}
    ]));
    let mut add = definition("blockdev-add", DefinitionKind::Command, Vec::new());
    add.bases = vec!["BlockdevOptions".to_owned()];
    let mut options = definition(
        "BlockdevOptions",
        DefinitionKind::Object,
        vec![member("node-name", named("string"), true)],
    );
    options.bases = vec!["BlockdevOptionsBase".to_owned()];
    // The manual lists only cases that add members: `null-co` has none.
    options.branches = vec![Branch {
        tag: "driver".to_owned(),
        value: "qcow2".to_owned(),
        type_name: "BlockdevOptionsQcow2".to_owned(),
    }];
    let manual = manual(vec![
        add,
        options,
        definition(
            "BlockdevOptionsBase",
            DefinitionKind::Object,
            vec![member("driver", named("BlockdevDriver"), false)],
        ),
        definition(
            "BlockdevDriver",
            DefinitionKind::Enum,
            vec![value("qcow2"), value("null-co"), value("vmdk")],
        ),
        definition(
            "BlockdevOptionsQcow2",
            DefinitionKind::Object,
            vec![member("file", named("string"), false)],
        ),
    ]);
    let found = names(&entries, &manual);
    assert_eq!(found.get("5").map(String::as_str), Some("BlockdevOptions"));
    assert_eq!(found.get("6").map(String::as_str), Some("BlockdevDriver"));
    assert_eq!(
        found.get("7").map(String::as_str),
        Some("BlockdevOptionsQcow2")
    );
}

#[test]
fn a_disagreement_is_reported_and_leaves_the_type_unnamed() {
    let entries = schema(json!([
        {"name": "query-status", "meta-type": "command", "arg-type": "0", "ret-type": "9"},
        {"name": "0", "meta-type": "object", "members": []},
        {"name": "9", "meta-type": "object", "members": [{"name": "running", "type": "bool"}]},
        {"name": "bool", "meta-type": "builtin", "json-type": "boolean"}
    ]));
    let mut query = definition("query-status", DefinitionKind::Command, Vec::new());
    query.returns = Some(Returns {
        ty: Some(named("StatusInfo")),
        doc: String::new(),
    });
    // QEMU documents `running` as optional; the schema says required.
    let manual = manual(vec![
        query,
        definition(
            "StatusInfo",
            DefinitionKind::Object,
            vec![member("running", named("boolean"), true)],
        ),
    ]);
    let matched = match_manual(&entries, &manual);
    assert!(matched.names.is_empty(), "{:?}", matched.names);
    assert!(
        matched
            .notes
            .iter()
            .any(|n| n.contains("`9` is not `StatusInfo`") && n.contains("optionality")),
        "{:?}",
        matched.notes
    );
    assert!(
        matched
            .notes
            .iter()
            .any(|n| n.contains("type `9`") && n.contains("got no name")),
        "{:?}",
        matched.notes
    );
}

#[test]
fn structure_names_types_the_manual_states_only_in_prose_and_prose_breaks_ties() {
    let entries = schema(json!([
        {"name": "query-commands", "meta-type": "command", "arg-type": "0", "ret-type": "[3]"},
        {"name": "query-chardev-backends", "meta-type": "command", "arg-type": "0", "ret-type": "[4]"},
        {"name": "query-version", "meta-type": "command", "arg-type": "0", "ret-type": "5"},
        {"name": "0", "meta-type": "object", "members": []},
        {"name": "[3]", "meta-type": "array", "element-type": "3"},
        {"name": "[4]", "meta-type": "array", "element-type": "4"},
        {"name": "3", "meta-type": "object", "members": [{"name": "name", "type": "str"}]},
        {"name": "4", "meta-type": "object", "members": [{"name": "name", "type": "str"}]},
        {"name": "5", "meta-type": "object", "members": [{"name": "package", "type": "str"}]},
        {"name": "str", "meta-type": "builtin", "json-type": "string"}
    ]));
    // QEMU 7.2 style: no return type, only prose.
    let prose = |name: &str, text: &str| {
        let mut def = definition(name, DefinitionKind::Command, Vec::new());
        def.returns = Some(Returns {
            ty: None,
            doc: text.to_owned(),
        });
        def
    };
    let manual = manual(vec![
        prose("query-commands", "A list of `CommandInfo` for all commands"),
        prose("query-chardev-backends", "a list of `ChardevBackendInfo`"),
        prose("query-version", "version information"),
        definition(
            "CommandInfo",
            DefinitionKind::Object,
            vec![member("name", named("string"), false)],
        ),
        definition(
            "ChardevBackendInfo",
            DefinitionKind::Object,
            vec![member("name", named("string"), false)],
        ),
        definition(
            "VersionInfo",
            DefinitionKind::Object,
            vec![member("package", named("string"), false)],
        ),
    ]);
    let found = names(&entries, &manual);
    assert_eq!(found.get("3").map(String::as_str), Some("CommandInfo"));
    assert_eq!(
        found.get("4").map(String::as_str),
        Some("ChardevBackendInfo")
    );
    // The only definition of that shape, without any prose.
    assert_eq!(found.get("5").map(String::as_str), Some("VersionInfo"));
}

#[test]
fn alternatives_pair_by_json_kind() {
    let entries = schema(json!([
        {"name": "blockdev-snapshot", "meta-type": "command", "arg-type": "1", "ret-type": "0"},
        {"name": "0", "meta-type": "object", "members": []},
        {"name": "1", "meta-type": "object", "members": [{"name": "file", "type": "2"}]},
        {"name": "2", "meta-type": "alternate", "members": [{"type": "3"}, {"type": "str"}]},
        {"name": "3", "meta-type": "object", "members": [{"name": "driver", "type": "str"}]},
        {"name": "str", "meta-type": "builtin", "json-type": "string"}
    ]));
    let manual = manual(vec![
        definition(
            "blockdev-snapshot",
            DefinitionKind::Command,
            vec![member("file", named("BlockdevRef"), false)],
        ),
        definition(
            "BlockdevRef",
            DefinitionKind::Alternate,
            vec![
                member("definition", named("BlockdevOptions"), false),
                member("reference", named("string"), false),
            ],
        ),
        definition(
            "BlockdevOptions",
            DefinitionKind::Object,
            vec![member("driver", named("string"), false)],
        ),
    ]);
    let found = names(&entries, &manual);
    assert_eq!(found.get("2").map(String::as_str), Some("BlockdevRef"));
    assert_eq!(found.get("3").map(String::as_str), Some("BlockdevOptions"));
    // The command's own argument object is implicit: it keeps the command's name.
    assert!(!found.contains_key("1"));
}
