//! `#[derive(DeserializeObject)]`: decodes a JSON object into a struct as serde's derive does
//! (wire names, optional and defaulted members, `deserialize_with`, unknown members ignored,
//! duplicate and missing members reported), from text, from a `Value` and from serde's
//! buffered content (a flattened neighbour), with serde's wording of every error.
//! `#[derive(SerializeObject)]`: encodes a struct as serde's derive does (wire names, members
//! skipped where `skip_serializing_if` says so).

use qmp_types::serde::{Deserialize, Serialize};
use qmp_types::serde_json::{self, from_str, from_value, json, Map, Value};
use qmp_types::{DeserializeObject, SerializeObject};

/// Written as generated bindings write a received struct.
#[derive(Debug, PartialEq, Serialize, DeserializeObject)]
#[serde(crate = "qmp_types::serde")]
struct BlockInfo {
    device: String,
    #[serde(rename = "io-status")]
    io_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    qdev: Option<String>,
    #[serde(rename = "type")]
    r#type: String,
    #[serde(
        default,
        deserialize_with = "qmp_types::__private::deserialize_present",
        skip_serializing_if = "Option::is_none"
    )]
    default: Option<Value>,
    #[serde(default)]
    removable: bool,
}

#[test]
fn members_decode_by_wire_name_and_unknown_ones_are_ignored() {
    let text = r#"{"device": "ide0", "type": "unknown", "qdev": "/machine/x",
                   "default": null, "locked": false, "io-status": "ok", "removable": true}"#;
    let expected = BlockInfo {
        device: "ide0".into(),
        io_status: Some("ok".into()),
        qdev: Some("/machine/x".into()),
        r#type: "unknown".into(),
        default: Some(Value::Null),
        removable: true,
    };
    assert_eq!(from_str::<BlockInfo>(text).unwrap(), expected);
    let value: Value = from_str(text).unwrap();
    assert_eq!(from_value::<BlockInfo>(value).unwrap(), expected);
}

#[test]
fn absent_members_are_none_default_or_missing() {
    let info: BlockInfo = from_value(json!({"device": "d", "type": "t"})).unwrap();
    // An `Option` without `default` is `None` when absent, as with serde's derive.
    assert_eq!(info.io_status, None);
    assert_eq!(info.qdev, None);
    assert_eq!(info.default, None);
    assert!(!info.removable);
    let error = from_value::<BlockInfo>(json!({"device": "d"})).unwrap_err();
    assert_eq!(error.to_string(), "missing field `type`");
}

/// The same struct through serde's own derive, to compare error messages.
#[derive(Debug, Deserialize)]
#[serde(crate = "qmp_types::serde")]
#[allow(dead_code)]
struct SerdeBlockInfo {
    device: String,
    #[serde(rename = "io-status")]
    io_status: Option<String>,
    #[serde(default)]
    qdev: Option<String>,
    #[serde(rename = "type")]
    r#type: String,
    #[serde(
        default,
        deserialize_with = "qmp_types::__private::deserialize_present"
    )]
    default: Option<Value>,
    #[serde(default)]
    removable: bool,
}

#[test]
fn errors_are_worded_as_serde_words_them() {
    for text in [
        r#"{"device": "a", "device": "b", "type": "t"}"#,
        r#"{"device": 1, "type": "t"}"#,
        r#"{"device": "a"}"#,
        r#"{"device": "a", "type": "t", "removable": "yes"}"#,
        r#"{"device": "a", "type": "t""#,
        r#""ide0""#,
    ] {
        let ours = from_str::<BlockInfo>(text).unwrap_err().to_string();
        let serde = from_str::<SerdeBlockInfo>(text)
            .unwrap_err()
            .to_string()
            .replace("SerdeBlockInfo", "BlockInfo");
        assert_eq!(ours, serde, "{text}");
    }
    // Only objects decode (serde's derive also takes an array of the members in order).
    let error = from_value::<BlockInfo>(json!(["ide0", null, null, "t"])).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid type: sequence, expected struct BlockInfo"
    );
}

#[derive(Debug, PartialEq, DeserializeObject)]
#[serde(deny_unknown_fields)]
struct Strict {
    id: String,
}

#[test]
fn deny_unknown_fields_names_the_member_and_the_expected_ones() {
    let error = from_value::<Strict>(json!({"id": "a", "extra": 1})).unwrap_err();
    assert_eq!(error.to_string(), "unknown field `extra`, expected `id`");
    assert_eq!(
        from_value::<Strict>(json!({"id": "a"})).unwrap(),
        Strict { id: "a".into() }
    );
}

/// An integer member inside buffered content (a struct with a flattened neighbour decodes
/// through serde's `Content`, which cannot hold `i128`).
#[derive(Debug, PartialEq, DeserializeObject)]
struct Sizes {
    #[serde(deserialize_with = "qmp_types::__private::deserialize_i128")]
    size: i128,
    #[serde(
        default,
        deserialize_with = "qmp_types::__private::deserialize_opt_vec_i128"
    )]
    extents: Option<Vec<i128>>,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(crate = "qmp_types::serde")]
struct Image {
    #[serde(flatten)]
    sizes: Sizes,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

#[test]
fn deserialize_with_members_decode_from_buffered_content() {
    let image: Image = from_value(json!({"size": u64::MAX, "extents": [1, -2], "x": 1})).unwrap();
    assert_eq!(image.sizes.size, i128::from(u64::MAX));
    assert_eq!(image.sizes.extents, Some(vec![1, -2]));
    let error = from_value::<Sizes>(json!({"extents": []})).unwrap_err();
    assert_eq!(error.to_string(), "missing field `size`");
    // Round trip through text too.
    let text = serde_json::to_string(&json!({"size": 5})).unwrap();
    assert_eq!(
        from_str::<Sizes>(&text).unwrap(),
        Sizes {
            size: 5,
            extents: None
        }
    );
}

/// Written as generated bindings write a sent struct.
#[derive(Debug, Clone, SerializeObject)]
#[serde(crate = "qmp_types::serde")]
struct BlockdevMirror {
    #[serde(rename = "job-id", default, skip_serializing_if = "Option::is_none")]
    job_id: Option<String>,
    device: String,
    #[serde(rename = "type")]
    r#type: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    bitmaps: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    speed: Option<i128>,
}

/// The same struct through serde's own derive.
#[derive(Serialize)]
#[serde(crate = "qmp_types::serde")]
struct SerdeBlockdevMirror {
    #[serde(rename = "job-id", skip_serializing_if = "Option::is_none")]
    job_id: Option<String>,
    device: String,
    #[serde(rename = "type")]
    r#type: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    bitmaps: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    speed: Option<i128>,
}

impl From<BlockdevMirror> for SerdeBlockdevMirror {
    fn from(m: BlockdevMirror) -> Self {
        SerdeBlockdevMirror {
            job_id: m.job_id,
            device: m.device,
            r#type: m.r#type,
            bitmaps: m.bitmaps,
            speed: m.speed,
        }
    }
}

#[test]
fn members_encode_as_serde_encodes_them() {
    let bare = BlockdevMirror {
        job_id: None,
        device: "disk0".into(),
        r#type: None,
        bitmaps: Vec::new(),
        speed: None,
    };
    // Skipped where `skip_serializing_if` says so; an `Option` without it is sent as `null`.
    assert_eq!(
        serde_json::to_value(&bare).unwrap(),
        json!({"device": "disk0", "type": null})
    );
    let full = BlockdevMirror {
        job_id: Some("job0".into()),
        r#type: Some("mirror".into()),
        bitmaps: vec!["b0".into()],
        speed: Some(i128::from(u64::MAX)),
        ..bare.clone()
    };
    for mirror in [bare, full] {
        let ours = serde_json::to_string(&mirror).unwrap();
        let serde = serde_json::to_string(&SerdeBlockdevMirror::from(mirror)).unwrap();
        assert_eq!(ours, serde);
    }
}
