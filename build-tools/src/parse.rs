//! Stage 1: `query-qmp-schema` JSON text → validated `Vec<SchemaInfo>`.
//!
//! Malformed JSON is reported with line, column and byte offset; a bad entry with its index
//! and name; a broken schema rule (see `qmp_types::introspection::validate`) with the entry
//! and, for a reference to a type no entry defines, its location.
//! Unknown keys inside entries are ignored (QMP's compatibility rules).

use qmp_types::introspection::{validate, SchemaInfo};
use serde_json::Value;

use crate::error::{Error, Result};

/// The `meta-type` values this generator understands.
const META_TYPES: [&str; 7] = [
    "builtin",
    "enum",
    "array",
    "object",
    "alternate",
    "command",
    "event",
];

/// Parses `query-qmp-schema` output (the `return` array) and checks it with the schema rules
/// every consumer shares ([`validate`]: unique names, resolving type references, …).
///
/// # Errors
/// [`Error::Json`] for malformed JSON or a non-array, [`Error::Entry`] for an entry that is not
/// a valid `SchemaInfo` (unknown `meta-type`, missing keys), [`Error::Schema`] for entries
/// that break a rule (a duplicate name, a reference to an undefined type, …).
pub fn parse(json: &str) -> Result<Vec<SchemaInfo>> {
    // Fast path: decode the entries directly. Only when that fails is the text decoded again,
    // entry by entry through `Value`, to name the entry that is wrong.
    let entries = match serde_json::from_str::<Vec<SchemaInfo>>(json) {
        Ok(entries) => entries,
        Err(_) => entries_one_by_one(json)?,
    };
    validate(&entries)?;
    Ok(entries)
}

/// Decodes the entries one at a time, so an error names the entry it is about.
fn entries_one_by_one(json: &str) -> Result<Vec<SchemaInfo>> {
    let values: Vec<Value> = serde_json::from_str(json).map_err(|e| json_error(json, &e))?;
    let mut entries = Vec::with_capacity(values.len());
    for (index, value) in values.into_iter().enumerate() {
        entries.push(entry(index, value)?);
    }
    Ok(entries)
}

/// Converts a `serde_json` error into [`Error::Json`] with a byte offset.
fn json_error(json: &str, error: &serde_json::Error) -> Error {
    let (line, column) = (error.line(), error.column());
    let line_start: usize = json
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    Error::Json {
        line,
        column,
        offset: (line_start + column.saturating_sub(1)).min(json.len()),
        message: error.to_string(),
    }
}

/// Decodes one array element, naming it in errors.
fn entry(index: usize, value: Value) -> Result<SchemaInfo> {
    let name = match value.get("name") {
        Some(Value::String(name)) => name.clone(),
        _ => "<unnamed>".to_owned(),
    };
    let fail = |message: String| Error::Entry {
        index,
        name: name.clone(),
        message,
    };
    if !value.is_object() {
        return Err(fail(format!("expected a JSON object, found {value}")));
    }
    match value.get("meta-type") {
        None => return Err(fail("missing `meta-type`".to_owned())),
        Some(Value::String(meta)) if META_TYPES.contains(&meta.as_str()) => {}
        Some(other) => {
            return Err(fail(format!(
                "unknown meta-type {other} (expected one of {})",
                META_TYPES.join(", ")
            )))
        }
    }
    serde_json::from_value(value).map_err(|e| fail(e.to_string()))
}

/// Checks what the serde model accepts but the generator cannot use.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_minimal_schema() {
        let entries = parse(
            r#"[{"name":"q","meta-type":"command","arg-type":"0","ret-type":"0","x-new":1},
                {"name":"0","meta-type":"object","members":[]}]"#,
        )
        .unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].kind.meta_type(), "command");
    }

    #[test]
    fn malformed_json_reports_position() {
        let err = parse("[\n  {\"name\": }\n]").unwrap_err();
        match err {
            Error::Json {
                line,
                column,
                offset,
                ..
            } => {
                assert_eq!(line, 2);
                assert_eq!(column, 12);
                assert_eq!(offset, 13);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn not_an_array_is_json_error() {
        assert!(matches!(parse("{}"), Err(Error::Json { .. })));
    }

    #[test]
    fn unknown_meta_type_names_entry() {
        let err = parse(
            r#"[{"name":"0","meta-type":"object","members":[]},{"name":"w","meta-type":"widget"}]"#,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("entry #1 (w)"), "{text}");
        assert!(text.contains("widget"), "{text}");
    }

    #[test]
    fn bad_entry_names_entry() {
        let err = parse(r#"[{"name":"e","meta-type":"enum"},{"name":"a","meta-type":"array"}]"#)
            .unwrap_err();
        assert!(err.to_string().contains("entry #1 (a)"), "{err}");
        let err = parse(r#"[42]"#).unwrap_err();
        assert!(err.to_string().contains("entry #0 (<unnamed>)"), "{err}");
    }

    #[test]
    fn dangling_reference_names_path() {
        let err = parse(
            r#"[{"name":"1","meta-type":"object","members":[{"name":"node-name","type":"99"}]}]"#,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("member `node-name`"), "{text}");
        assert!(text.contains("`99`"), "{text}");
    }

    #[test]
    fn empty_names_and_empty_or_repeated_enum_values_are_errors() {
        let err = parse(r#"[{"name":"","meta-type":"object","members":[]}]"#).unwrap_err();
        assert!(
            err.to_string().contains("entry #0 (): the name is empty"),
            "{err}"
        );
        let err = parse(r#"[{"name":"e","meta-type":"enum","values":["a",""]}]"#).unwrap_err();
        assert!(
            err.to_string()
                .contains("entry #0 (e): an enum value is empty"),
            "{err}"
        );
        let err = parse(r#"[{"name":"e","meta-type":"enum","values":["a","b","a"]}]"#).unwrap_err();
        assert!(
            err.to_string().contains("the enum value `a` appears twice"),
            "{err}"
        );
    }

    #[test]
    fn duplicate_name_is_an_error() {
        let err = parse(r#"[{"name":"0","meta-type":"object","members":[]},{"name":"0","meta-type":"object","members":[]}]"#)
            .unwrap_err();
        assert!(err.to_string().contains("entry #1 (0)"), "{err}");
    }
}
