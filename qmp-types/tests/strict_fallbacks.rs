//! `strict` learns about fallbacks from the code that serialises them: an open enum's unknown
//! value and a union's unknown tag are reported, known values are not.

use qmp_types::serde::{Deserialize, Serialize};
use qmp_types::serde_json::{json, Map, Value};
use qmp_types::strict::{check, Finding, FindingKind};
use qmp_types::{DeserializeUnion, OpenEnum};

#[derive(Debug, Clone, PartialEq, Eq, Hash, OpenEnum)]
enum Format {
    #[qmp(rename = "raw")]
    Raw,
    #[qmp(unknown)]
    Unknown(String),
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(crate = "qmp_types::serde")]
struct File {
    filename: String,
    format: Format,
}

#[derive(Debug, Serialize, DeserializeUnion)]
#[serde(crate = "qmp_types::serde", tag = "driver")]
#[qmp(tag = "driver")]
enum Driver {
    #[serde(rename = "file")]
    #[qmp(rename = "file")]
    File(File),
    #[serde(
        untagged,
        serialize_with = "qmp_types::__private::serialize_unknown_members"
    )]
    #[qmp(unknown)]
    Unknown(Map<String, Value>),
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(crate = "qmp_types::serde")]
struct Node {
    #[serde(rename = "node-name")]
    node_name: String,
    #[serde(flatten)]
    driver: Driver,
}

fn fallback(variant: &str) -> Finding {
    Finding {
        path: "$".into(),
        kind: FindingKind::Fallback {
            variant: variant.into(),
        },
    }
}

#[test]
fn known_values_report_nothing() {
    let raw = json!({"node-name": "n0", "driver": "file", "filename": "a", "format": "raw"});
    let (_, findings) = check::<Node>(&raw).unwrap();
    assert_eq!(findings, []);
}

#[test]
fn an_unknown_union_tag_is_a_fallback() {
    let raw = json!({"node-name": "n0", "driver": "nbd", "export": "x"});
    let (node, findings) = check::<Node>(&raw).unwrap();
    assert!(matches!(node.driver, Driver::Unknown(_)));
    assert_eq!(
        findings,
        [fallback(r#"Unknown({"driver":"nbd","export":"x"})"#)]
    );
}

#[test]
fn an_unknown_enum_value_is_a_fallback_even_when_it_reads_like_one() {
    // A known value whose text looks like a fallback is not one.
    let raw = json!({"node-name": "Unknown(", "driver": "file", "filename": "Unknown(x)",
                     "format": "qcow3"});
    let (_, findings) = check::<Node>(&raw).unwrap();
    assert_eq!(findings, [fallback(r#"Format::Unknown("qcow3")"#)]);
}
