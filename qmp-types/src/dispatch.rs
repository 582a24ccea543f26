//! Decoding of unions and alternates, which generated code reaches through `__private`: a
//! union dispatches on its tag member, an alternate on the JSON type of the value. A known tag
//! or a chosen branch that fails to decode is an error naming the union or alternate, the tag
//! value or branch, and the path of the member that failed; only a tag the bindings do not
//! know lands in the union's fallback.

use serde::de::{self, DeserializeOwned, Deserializer};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::wire::json_type;

/// A union value's tag value (`None` where it was sent without the tag) and its members, the
/// tag included.
pub type TaggedMembers = (Option<String>, Map<String, Value>);

/// A union's members (the tag included) and its tag value, read from `deserializer`. A value
/// without the tag member has no tag value when `absent_allowed` (the union has a variant for
/// what releases send where it was a plain struct).
///
/// # Errors
/// The deserializer's error when the input is not an object, or when the tag member is
/// not a string, or missing where that is not allowed.
pub fn union_members<'de, D: Deserializer<'de>>(
    deserializer: D,
    union: &'static str,
    tag: &'static str,
    absent_allowed: bool,
) -> Result<TaggedMembers, D::Error> {
    let members = Map::deserialize(deserializer)?;
    match members.get(tag) {
        Some(Value::String(value)) => Ok((Some(value.clone()), members)),
        None if absent_allowed => Ok((None, members)),
        Some(other) => Err(de::Error::custom(format!(
            "`{union}`: the tag member `{tag}` is {}, not a string",
            json_type(other)
        ))),
        None => Err(de::Error::custom(format!(
            "`{union}`: missing field `{tag}` (the tag member)"
        ))),
    }
}

/// Decodes the members of the variant that tag value `case` selects (the tag removed).
///
/// # Errors
/// When the members do not decode into `T`: the message names the union, the tag value and the
/// path of the member that failed.
pub fn decode_union_variant<T: DeserializeOwned, E: de::Error>(
    mut members: Map<String, Value>,
    union: &'static str,
    tag: &'static str,
    case: &'static str,
) -> Result<T, E> {
    members.remove(tag);
    decode(Value::Object(members))
        .map_err(|failure| E::custom(format!("`{union}` with `{tag}` = \"{case}\": {failure}")))
}

/// Decodes the members of a union value sent without its tag member into the union's
/// `tag_absent` variant.
///
/// # Errors
/// When the members do not decode into `T`: the message names the union, the missing tag and
/// the path of the member that failed.
pub fn decode_untagged_variant<T: DeserializeOwned, E: de::Error>(
    members: Map<String, Value>,
    union: &'static str,
    tag: &'static str,
) -> Result<T, E> {
    decode(Value::Object(members))
        .map_err(|failure| E::custom(format!("`{union}` without `{tag}`: {failure}")))
}

/// The JSON value of an alternate, read from `deserializer` so that its type picks the branch.
///
/// # Errors
/// The deserializer's error when the input is not JSON.
pub fn alternate_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
    Value::deserialize(deserializer)
}

/// Decodes `value` into the alternate branch `branch` chosen by its JSON type.
///
/// # Errors
/// When `value` does not decode into `T`: the message names the alternate, the branch and the
/// path of the member that failed.
pub fn decode_alternate_branch<T: DeserializeOwned, E: de::Error>(
    value: Value,
    alternate: &'static str,
    branch: &'static str,
) -> Result<T, E> {
    let kind = json_type(&value);
    decode(value).map_err(|failure| {
        E::custom(format!(
            "`{alternate}`: {kind} chooses the branch `{branch}`, which does not decode: {failure}"
        ))
    })
}

/// The error for a value whose JSON type has no branch in the alternate.
pub fn no_alternate_branch<E: de::Error>(
    value: &Value,
    alternate: &'static str,
    expected: &'static str,
) -> E {
    E::custom(format!(
        "`{alternate}` takes {expected}, not {}",
        json_type(value)
    ))
}

/// Decodes `value` into `T`, describing a failure with the path of the member that failed.
pub(crate) fn decode<T: DeserializeOwned>(value: Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if path == "." {
            inner.to_string()
        } else {
            format!("member `{path}`: {inner}")
        }
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct File {
        #[allow(dead_code)]
        filename: String,
    }

    #[derive(Debug, Deserialize)]
    struct Qcow2 {
        #[allow(dead_code)]
        file: File,
    }

    fn variant(value: Value) -> Result<Qcow2, String> {
        let (_, members) = union_members::<Value>(value, "BlockdevOptions", "driver", false)
            .map_err(|e| e.to_string())?;
        decode_union_variant::<Qcow2, serde_json::Error>(
            members,
            "BlockdevOptions",
            "driver",
            "qcow2",
        )
        .map_err(|e| e.to_string())
    }

    #[test]
    fn a_bad_member_is_named_with_its_path() {
        let error = variant(json!({"driver": "qcow2", "file": {"filename": 1}})).unwrap_err();
        assert_eq!(
            error,
            "`BlockdevOptions` with `driver` = \"qcow2\": member `file.filename`: invalid type: \
             integer `1`, expected a string"
        );
        let error = variant(json!({"driver": "qcow2"})).unwrap_err();
        assert_eq!(
            error,
            "`BlockdevOptions` with `driver` = \"qcow2\": missing field `file`"
        );
    }

    #[test]
    fn a_missing_or_odd_tag_is_an_error() {
        let error = variant(json!({"file": {}})).unwrap_err();
        assert_eq!(
            error,
            "`BlockdevOptions`: missing field `driver` (the tag member)"
        );
        let error = variant(json!({"driver": 2})).unwrap_err();
        assert_eq!(
            error,
            "`BlockdevOptions`: the tag member `driver` is a number, not a string"
        );
    }

    #[test]
    fn alternate_errors_name_the_branch_or_the_choices() {
        let error = decode_alternate_branch::<Qcow2, serde_json::Error>(
            json!({"file": "disk.img"}),
            "BlockdevRef",
            "Definition",
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "`BlockdevRef`: an object chooses the branch `Definition`, which does not decode: \
             member `file`: invalid type: string \"disk.img\", expected struct File"
        );
        let error: serde_json::Error = no_alternate_branch(
            &json!(true),
            "BlockdevRef",
            "an object (`Definition`) or a string (`Reference`)",
        );
        assert_eq!(
            error.to_string(),
            "`BlockdevRef` takes an object (`Definition`) or a string (`Reference`), not a boolean"
        );
    }
}
