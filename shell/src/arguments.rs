//! Turning `key=value` words into a command's JSON arguments, guided by the live schema, and
//! checking arguments (typed or raw JSON) against it before anything is sent.
//!
//! Values: where the schema says a member takes only strings (`str`, an enum), the text is
//! the string as typed (`node-name=123` is `"123"`), unless it is a quoted JSON string;
//! otherwise the text is read as JSON, and text that is not JSON is a string (so
//! `file=node0` works for a `BlockdevRef`). Type mismatches are left to QEMU, whose error
//! names the member; unknown commands and members are refused here.

use serde_json::{Map, Value};

use crate::input::Assignment;
use crate::schema::{Schema, Variants};

/// Arguments the live schema refuses, or `key=value` words that contradict each other.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArgumentError {
    /// The server has no such command.
    #[error("unknown command `{0}` (the server's schema has no such command; TAB lists them)")]
    UnknownCommand(String),
    /// A member the schema does not define at that place.
    #[error("`{command}` has no argument `{path}`{hint}")]
    UnknownMember {
        /// The command.
        command: String,
        /// The dotted path of the member (`file.filenme`).
        path: String,
        /// A hint listing what is there, starting with `; `.
        hint: String,
    },
    /// `a=1 a.b=2`: a key set both to a value and to an object.
    #[error("`{path}` at byte {offset} is set twice (once as an object)")]
    Conflict {
        /// The dotted path.
        path: String,
        /// Byte offset of the second word.
        offset: usize,
    },
}

/// Builds the arguments of `command` from `key=value` words, then checks them.
///
/// # Errors
/// [`ArgumentError`] for an unknown command or member, or contradicting words.
pub fn build(
    schema: &Schema,
    command: &str,
    assignments: &[Assignment],
) -> Result<Map<String, Value>, ArgumentError> {
    let info = schema
        .command(command)
        .ok_or_else(|| ArgumentError::UnknownCommand(command.to_owned()))?;
    let mut arguments = Map::new();
    for assignment in assignments {
        let value = typed_value(schema, info.arg_type, &arguments, assignment);
        insert(&mut arguments, assignment, value)?;
    }
    check(schema, command, &arguments)?;
    Ok(arguments)
}

/// The arguments the words set as far as they can be read, unchecked: a word that
/// contradicts an earlier one is left out (completion looks at half-typed lines).
pub fn assemble(schema: &Schema, arg_type: &str, assignments: &[Assignment]) -> Map<String, Value> {
    let mut arguments = Map::new();
    for assignment in assignments {
        let value = typed_value(schema, arg_type, &arguments, assignment);
        // A contradicting word changes nothing; the rest still guide completion.
        let _ = insert(&mut arguments, assignment, value);
    }
    arguments
}

/// Checks that every member of `arguments` (recursively, into objects and arrays of
/// objects) exists in the live schema of `command`; union members count when the tag value
/// given selects their variant (or, without a tag value, when any variant has them).
///
/// # Errors
/// [`ArgumentError::UnknownCommand`] or [`ArgumentError::UnknownMember`].
pub fn check(
    schema: &Schema,
    command: &str,
    arguments: &Map<String, Value>,
) -> Result<(), ArgumentError> {
    let info = schema
        .command(command)
        .ok_or_else(|| ArgumentError::UnknownCommand(command.to_owned()))?;
    check_object(schema, command, info.arg_type, arguments, "")
}

fn check_object(
    schema: &Schema,
    command: &str,
    type_name: &str,
    object: &Map<String, Value>,
    prefix: &str,
) -> Result<(), ArgumentError> {
    let members = schema.members(type_name, Variants::SelectedOrAll(object));
    for (key, value) in object {
        let path = format!("{prefix}{key}");
        let Some(member) = members.iter().find(|member| member.name == *key) else {
            return Err(ArgumentError::UnknownMember {
                command: command.to_owned(),
                hint: hint(key, members.iter().map(|member| member.name.as_str())),
                path,
            });
        };
        check_value(schema, command, &member.type_, value, &path)?;
    }
    Ok(())
}

fn check_value(
    schema: &Schema,
    command: &str,
    type_name: &str,
    value: &Value,
    path: &str,
) -> Result<(), ArgumentError> {
    match value {
        Value::Object(object) => match schema.object_type(type_name) {
            Some(object_type) => {
                check_object(schema, command, object_type, object, &format!("{path}."))
            }
            None => Ok(()),
        },
        Value::Array(items) => match schema.element_type(type_name) {
            Some(element) => items.iter().enumerate().try_for_each(|(index, item)| {
                check_value(schema, command, element, item, &format!("{path}[{index}]"))
            }),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// `; did you mean `b`?` for a name within a few typos of `key`, else `; it has: a, b, c`
/// (at most eight names), or `; it takes none here`.
fn hint<'a>(key: &str, names: impl Iterator<Item = &'a str>) -> String {
    const SHOWN: usize = 8;
    let names: Vec<&str> = names.collect();
    let allowed = (key.chars().count() / 3).clamp(1, 3);
    let closest = names
        .iter()
        .map(|name| (edit_distance(key, name), *name))
        .filter(|(distance, _)| *distance <= allowed)
        .min();
    if let Some((_, name)) = closest {
        return format!("; did you mean `{name}`?");
    }
    match names.len() {
        0 => "; it takes none here".to_owned(),
        n if n <= SHOWN => format!("; it has: {}", names.join(", ")),
        n => format!(
            "; it has: {}, … ({} more; TAB lists them)",
            names[..SHOWN].join(", "),
            n - SHOWN
        ),
    }
}

/// Levenshtein distance between two names (insertions, deletions, substitutions).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// The value of one word, read as the schema's type for its path suggests.
fn typed_value(
    schema: &Schema,
    arg_type: &str,
    arguments: &Map<String, Value>,
    assignment: &Assignment,
) -> Value {
    let text = &assignment.value;
    let only_strings = member_type(schema, arg_type, arguments, &assignment.path)
        .is_some_and(|type_name| schema.value_kind(type_name).only_strings());
    if only_strings && !text.starts_with('"') {
        return Value::String(text.clone());
    }
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone()))
}

/// The type of the member at `path`, walking objects (with variants selected by the tag
/// values given so far, or all of them).
pub fn member_type<'s>(
    schema: &'s Schema,
    arg_type: &'s str,
    arguments: &Map<String, Value>,
    path: &[String],
) -> Option<&'s str> {
    let empty = Map::new();
    let mut type_name = arg_type;
    let mut given = Some(arguments);
    for (depth, key) in path.iter().enumerate() {
        let object_type = if depth == 0 {
            type_name
        } else {
            schema.object_type(type_name)?
        };
        let here = given.unwrap_or(&empty);
        type_name = &schema
            .member(object_type, key, Variants::SelectedOrAll(here))?
            .type_;
        given = here.get(key).and_then(Value::as_object);
    }
    Some(type_name)
}

/// Stores `value` at the assignment's path, creating objects on the way.
fn insert(
    arguments: &mut Map<String, Value>,
    assignment: &Assignment,
    value: Value,
) -> Result<(), ArgumentError> {
    let conflict = || ArgumentError::Conflict {
        path: assignment.path.join("."),
        offset: assignment.offset,
    };
    let Some((last, parents)) = assignment.path.split_last() else {
        return Ok(());
    };
    let mut object = arguments;
    for key in parents {
        let slot = object
            .entry(key.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        object = slot.as_object_mut().ok_or_else(conflict)?;
    }
    if matches!(object.get(last), Some(Value::Object(_))) && !value.is_object() {
        return Err(conflict());
    }
    object.insert(last.clone(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{parse_line, Input};
    use crate::test_schema::schema_10_0;
    use serde_json::json;

    fn arguments(line: &str) -> Result<Value, ArgumentError> {
        let Ok(Input::Command(command)) = parse_line(line) else {
            panic!("{line:?} is not a command line");
        };
        build(schema_10_0(), &command.command, &command.assignments).map(Value::Object)
    }

    #[test]
    fn values_follow_the_schema_types() {
        assert_eq!(
            arguments(
                "blockdev-add driver=qcow2 node-name=123 read-only=true \
                 file.driver=file file.filename=/tmp/a.qcow2 cache={\"direct\": true}"
            ),
            Ok(json!({
                "driver": "qcow2",
                "node-name": "123",
                "read-only": true,
                "file": {"driver": "file", "filename": "/tmp/a.qcow2"},
                "cache": {"direct": true},
            }))
        );
        // An alternate of object and string: bare text is the string (a node name).
        assert_eq!(
            arguments("blockdev-add driver=raw node-name=n file=base"),
            Ok(json!({"driver": "raw", "node-name": "n", "file": "base"}))
        );
        // Numbers stay numbers; a quoted string stays a string.
        assert_eq!(
            arguments("set_link name=\"net0\" up=false"),
            Ok(json!({"name": "net0", "up": false}))
        );
        assert_eq!(
            arguments("query-cpu-model-expansion type=full model.name=max"),
            Ok(json!({"type": "full", "model": {"name": "max"}}))
        );
    }

    #[test]
    fn unknown_commands_and_members_are_refused() {
        assert_eq!(
            arguments("no-such-command"),
            Err(ArgumentError::UnknownCommand("no-such-command".into()))
        );
        let error = arguments("query-block flat=true").unwrap_err().to_string();
        assert_eq!(
            error,
            "`query-block` has no argument `flat`; it takes none here"
        );
        // `lazy-refcounts` is a qcow2 member, not a raw one.
        let error = arguments("blockdev-add driver=raw lazy-refcounts=true").unwrap_err();
        assert!(
            matches!(&error, ArgumentError::UnknownMember { path, .. } if path == "lazy-refcounts"),
            "{error}"
        );
        assert!(arguments("blockdev-add driver=qcow2 lazy-refcounts=true").is_ok());
        // Nested, through the object branch of an alternate.
        let error = arguments("blockdev-add driver=qcow2 file.driver=file file.filenme=x")
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "`blockdev-add` has no argument `file.filenme`; did you mean `filename`?"
        );
        let error = arguments("query-cpu-model-expansion type=full model.nam=max")
            .unwrap_err()
            .to_string();
        assert!(error.contains("did you mean `name`?"), "{error}");
        let error = arguments("blockdev-add driver=raw xyzzy=1")
            .unwrap_err()
            .to_string();
        assert!(error.contains("; it has: driver, node-name,"), "{error}");
        assert!(error.contains("more; TAB lists them)"), "{error}");
    }

    #[test]
    fn raw_json_arguments_are_checked_into_arrays() {
        let arguments = json!({"actions": [{"type": "abort", "data": {}}], "bogus": {}});
        let error = check(schema_10_0(), "transaction", arguments.as_object().unwrap());
        assert!(
            matches!(&error, Err(ArgumentError::UnknownMember { path, .. }) if path == "bogus"),
            "{error:?}"
        );
        let arguments = json!({"actions": [{"type": "abort", "data": {}, "bogus": 1}]});
        let error = check(schema_10_0(), "transaction", arguments.as_object().unwrap());
        assert!(
            matches!(&error, Err(ArgumentError::UnknownMember { path, .. }) if path == "actions[0].bogus"),
            "{error:?}"
        );
    }

    #[test]
    fn contradicting_words_are_refused() {
        assert_eq!(
            arguments("blockdev-add driver=raw file=x file.driver=file"),
            Err(ArgumentError::Conflict {
                path: "file.driver".into(),
                offset: 31
            })
        );
        assert_eq!(
            arguments("blockdev-add driver=raw file.driver=file file=x"),
            Err(ArgumentError::Conflict {
                path: "file".into(),
                offset: 41
            })
        );
    }
}
