//! `#[derive(DeserializeUnion)]` and `#[derive(DeserializeAlternate)]`: an unknown tag goes to
//! the fallback, a known tag with a bad member is an error naming the member path, and an
//! alternate picks its branch by JSON type and names the branch that failed.

use qmp_types::serde::{Deserialize, Serialize};
use qmp_types::serde_json::{self, from_value, json, Map, Value};
use qmp_types::{DeserializeAlternate, DeserializeUnion};

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(crate = "qmp_types::serde")]
struct Server {
    host: String,
    port: u16,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(crate = "qmp_types::serde")]
struct Nbd {
    server: Server,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    export: Option<String>,
}

/// Written as generated bindings write a union's variant enum sent both ways.
#[derive(Debug, PartialEq, Serialize, DeserializeUnion)]
#[serde(crate = "qmp_types::serde", tag = "driver")]
#[qmp(tag = "driver")]
enum Driver {
    #[serde(rename = "nbd")]
    #[qmp(rename = "nbd")]
    Nbd(Nbd),
    #[serde(rename = "null-co")]
    #[qmp(rename = "null-co")]
    NullCo,
    #[serde(
        untagged,
        serialize_with = "qmp_types::__private::serialize_unknown_members"
    )]
    #[qmp(unknown)]
    Unknown(Map<String, Value>),
}

/// A union's struct: the variant enum is flattened next to the common members.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(crate = "qmp_types::serde")]
struct BlockdevOptions {
    #[serde(rename = "node-name")]
    node_name: String,
    #[serde(flatten)]
    driver: Driver,
}

#[test]
fn an_unknown_tag_keeps_every_member_in_the_fallback() {
    let raw = json!({"node-name": "n0", "driver": "vvfat", "dir": "/tmp", "rw": true});
    let options: BlockdevOptions = from_value(raw.clone()).unwrap();
    let Driver::Unknown(members) = &options.driver else {
        panic!("expected the fallback: {options:?}");
    };
    assert_eq!(
        Value::Object(members.clone()),
        json!({"driver": "vvfat", "dir": "/tmp", "rw": true})
    );
    assert_eq!(serde_json::to_value(&options).unwrap(), raw);
}

#[test]
fn a_known_tag_decodes_its_variant_and_a_unit_variant_takes_no_members() {
    let raw = json!({"node-name": "n0", "driver": "nbd",
                     "server": {"host": "localhost", "port": 10809}});
    let options: BlockdevOptions = from_value(raw.clone()).unwrap();
    assert_eq!(
        options.driver,
        Driver::Nbd(Nbd {
            server: Server {
                host: "localhost".into(),
                port: 10809
            },
            export: None,
        })
    );
    assert_eq!(serde_json::to_value(&options).unwrap(), raw);
    let null: BlockdevOptions =
        from_value(json!({"node-name": "n1", "driver": "null-co"})).unwrap();
    assert_eq!(null.driver, Driver::NullCo);
}

#[test]
fn a_known_tag_with_a_bad_member_is_an_error_naming_the_member_path() {
    let raw = json!({"node-name": "n0", "driver": "nbd",
                     "server": {"host": "localhost", "port": "nbd"}});
    let error = from_value::<BlockdevOptions>(raw).unwrap_err();
    assert_eq!(
        error.to_string(),
        "`Driver` with `driver` = \"nbd\": member `server.port`: invalid type: string \"nbd\", \
         expected u16"
    );
    let error =
        from_value::<BlockdevOptions>(json!({"node-name": "n0", "driver": "nbd"})).unwrap_err();
    assert_eq!(
        error.to_string(),
        "`Driver` with `driver` = \"nbd\": missing field `server`"
    );
}

#[test]
fn a_missing_tag_is_an_error() {
    let error = from_value::<BlockdevOptions>(json!({"node-name": "n0"})).unwrap_err();
    assert_eq!(
        error.to_string(),
        "`Driver`: missing field `driver` (the tag member)"
    );
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(crate = "qmp_types::serde")]
struct SevGuestInfo {
    policy: u32,
    handle: u32,
}

/// Written as a merge of QEMU 7.2 (where `SevInfo` was a struct without `sev-type`) and 10.0
/// writes it: a value without the tag is the `tag_absent` variant.
#[derive(Debug, PartialEq, DeserializeUnion)]
#[qmp(tag = "sev-type")]
enum SevInfoVariant {
    #[qmp(rename = "sev")]
    Sev(SevGuestInfo),
    #[qmp(rename = "sev-snp")]
    SevSnp,
    #[qmp(tag_absent)]
    Untagged(SevGuestInfo),
    #[qmp(unknown)]
    Unknown(Map<String, Value>),
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(crate = "qmp_types::serde")]
struct SevInfo {
    enabled: bool,
    #[serde(flatten)]
    sev_type: SevInfoVariant,
}

#[test]
fn a_missing_tag_is_the_tag_absent_variant_and_a_present_tag_still_decides() {
    let info = SevGuestInfo {
        policy: 1,
        handle: 2,
    };
    let old: SevInfo = from_value(json!({"enabled": false, "policy": 1, "handle": 2})).unwrap();
    assert_eq!(old.sev_type, SevInfoVariant::Untagged(info));
    let new: SevInfo =
        from_value(json!({"enabled": false, "sev-type": "sev", "policy": 1, "handle": 2})).unwrap();
    assert_eq!(
        new.sev_type,
        SevInfoVariant::Sev(SevGuestInfo {
            policy: 1,
            handle: 2
        })
    );
    let snp: SevInfo = from_value(json!({"enabled": true, "sev-type": "sev-snp"})).unwrap();
    assert_eq!(snp.sev_type, SevInfoVariant::SevSnp);
    // Without the tag, the variant's members are still required.
    let error = from_value::<SevInfo>(json!({"enabled": false, "policy": 1})).unwrap_err();
    assert_eq!(
        error.to_string(),
        "`SevInfoVariant` without `sev-type`: missing field `handle`"
    );
}

/// Written as generated bindings write an alternate with a `null` branch.
#[derive(Debug, PartialEq, Serialize, DeserializeAlternate)]
#[serde(crate = "qmp_types::serde", untagged)]
enum BlockdevRefOrNull {
    #[qmp(json = "object")]
    Definition(Box<BlockdevOptions>),
    #[qmp(json = "string")]
    Reference(String),
    #[qmp(json = "null")]
    Null,
}

#[test]
fn an_alternate_dispatches_on_the_json_type() {
    let reference: BlockdevRefOrNull = from_value(json!("disk0")).unwrap();
    assert_eq!(reference, BlockdevRefOrNull::Reference("disk0".into()));
    let null: BlockdevRefOrNull = from_value(Value::Null).unwrap();
    assert_eq!(null, BlockdevRefOrNull::Null);
    assert_eq!(serde_json::to_value(&null).unwrap(), Value::Null);
    let raw = json!({"node-name": "n0", "driver": "null-co"});
    let definition: BlockdevRefOrNull = from_value(raw.clone()).unwrap();
    assert!(matches!(definition, BlockdevRefOrNull::Definition(_)));
    assert_eq!(serde_json::to_value(&definition).unwrap(), raw);
}

#[test]
fn an_alternate_names_the_branch_that_failed() {
    let error = from_value::<BlockdevRefOrNull>(json!({"driver": "null-co"})).unwrap_err();
    assert_eq!(
        error.to_string(),
        "`BlockdevRefOrNull`: an object chooses the branch `Definition`, which does not decode: \
         missing field `node-name`"
    );
    let error = from_value::<BlockdevRefOrNull>(
        json!({"node-name": "n0", "driver": "nbd", "server": {"host": 1, "port": 1}}),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "`BlockdevRefOrNull`: an object chooses the branch `Definition`, which does not decode: \
         `Driver` with `driver` = \"nbd\": member `server.host`: invalid type: integer `1`, \
         expected a string"
    );
}

#[test]
fn an_alternate_with_no_branch_for_the_json_type_lists_the_branches() {
    let error = from_value::<BlockdevRefOrNull>(json!(42)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "`BlockdevRefOrNull` takes an object (`Definition`), a string (`Reference`) or null \
         (`Null`), not a number"
    );
}
