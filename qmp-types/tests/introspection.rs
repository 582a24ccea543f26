//! The introspection model reads every bundled `query-qmp-schema` capture.

use qmp_types::introspection::{SchemaInfo, SchemaInfoKind};

fn load(file: &str) -> Vec<SchemaInfo> {
    let path = format!("{}/../schemas/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn bundled_schemas_parse_with_every_meta_type() {
    for file in ["qemu-7.2.22-x86_64.json", "qemu-10.0.2-x86_64.json"] {
        let entries = load(file);
        let mut metas: Vec<&str> = entries.iter().map(|e| e.kind.meta_type()).collect();
        metas.sort_unstable();
        metas.dedup();
        assert_eq!(
            metas,
            [
                "alternate",
                "array",
                "builtin",
                "command",
                "enum",
                "event",
                "object"
            ],
            "{file}"
        );
        let status = entries.iter().find(|e| e.name == "query-status").unwrap();
        assert!(matches!(status.kind, SchemaInfoKind::Command { .. }));
    }
}

#[test]
fn optional_members_are_those_with_a_default_key() {
    let entry: SchemaInfo = serde_json::from_str(
        r#"{"name":"9","meta-type":"object","members":[
            {"name":"a","type":"int"},{"name":"b","type":"str","default":null}],
            "unknown-future-key":1}"#,
    )
    .unwrap();
    let SchemaInfoKind::Object { members, .. } = entry.kind else {
        panic!("not an object")
    };
    assert!(!members[0].is_optional());
    assert!(members[1].is_optional());
}
