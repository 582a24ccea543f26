//! The one set of rules a `query-qmp-schema` result must follow before anything works on it:
//! the code generator's parse stage, the naming graph, capability probing, release diffs and
//! the shell all validate through [`validate`], so they accept and refuse the same schemas
//! with the same messages.

use std::collections::{HashMap, HashSet};
use std::fmt;

use super::{EnumMember, JsonType, SchemaInfo, SchemaInfoKind};

/// The builtin type names a reference may use without a `builtin` entry declaring them
/// (QEMU always declares them; hand-written schemas often do not).
const IMPLICIT_BUILTINS: &[(&str, JsonType)] = &[
    ("int", JsonType::Int),
    ("number", JsonType::Number),
    ("str", JsonType::String),
    ("bool", JsonType::Boolean),
    ("null", JsonType::Null),
    ("any", JsonType::Value),
];

/// The JSON type of `name` if it is one of the builtin names a type reference may use
/// without a `builtin` entry.
pub fn implicit_builtin(name: &str) -> Option<JsonType> {
    IMPLICIT_BUILTINS
        .iter()
        .find(|(builtin, _)| *builtin == name)
        .map(|&(_, json)| json)
}

/// Every type reference an entry makes: where in the entry (`arg-type`, ``member `node` ``,
/// ``variant `qcow2` ``, `alternative #0`, `element-type`) and the referenced name.
pub fn references(kind: &SchemaInfoKind) -> Vec<(String, &str)> {
    match kind {
        SchemaInfoKind::Builtin { .. } | SchemaInfoKind::Enum { .. } => Vec::new(),
        SchemaInfoKind::Array { element_type } => {
            vec![("element-type".to_owned(), element_type.as_str())]
        }
        SchemaInfoKind::Object {
            members, variants, ..
        } => members
            .iter()
            .map(|m| (format!("member `{}`", m.name), m.type_.as_str()))
            .chain(
                variants
                    .iter()
                    .map(|v| (format!("variant `{}`", v.case), v.type_.as_str())),
            )
            .collect(),
        SchemaInfoKind::Alternate { members } => members
            .iter()
            .enumerate()
            .map(|(i, m)| (format!("alternative #{i}"), m.type_.as_str()))
            .collect(),
        SchemaInfoKind::Command {
            arg_type, ret_type, ..
        } => vec![
            ("arg-type".to_owned(), arg_type.as_str()),
            ("ret-type".to_owned(), ret_type.as_str()),
        ],
        SchemaInfoKind::Event { arg_type } => vec![("arg-type".to_owned(), arg_type.as_str())],
    }
}

/// A schema entry that breaks a rule of [`validate`]: which entry, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schema entry #{index} ({name}): {problem}")]
pub struct SchemaError {
    /// 0-based position of the entry in the schema array.
    pub index: usize,
    /// The entry's name.
    pub name: String,
    /// What is wrong with it.
    pub problem: SchemaProblem,
}

/// What is wrong with a schema entry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SchemaProblem {
    /// The entry's name is empty.
    EmptyName,
    /// An earlier entry has the same name.
    DuplicateName {
        /// 0-based position of the earlier entry.
        first: usize,
    },
    /// An enum value is the empty string.
    EmptyEnumValue,
    /// An enum value appears twice.
    DuplicateEnumValue {
        /// The value.
        value: String,
    },
    /// A type reference names no entry (and no implicit builtin).
    UnknownType {
        /// Where in the entry (see [`references`]).
        location: String,
        /// The missing type name.
        target: String,
    },
    /// An array type's element types (through other arrays) form a cycle, never reaching a
    /// non-array type.
    ArrayCycle,
}

impl fmt::Display for SchemaProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaProblem::EmptyName => f.write_str("the name is empty"),
            SchemaProblem::DuplicateName { first } => {
                write!(f, "the name is already defined by entry #{first}")
            }
            SchemaProblem::EmptyEnumValue => f.write_str("an enum value is empty"),
            SchemaProblem::DuplicateEnumValue { value } => {
                write!(f, "the enum value `{value}` appears twice")
            }
            SchemaProblem::UnknownType { location, target } => write!(
                f,
                "{location} refers to type `{target}`, which no schema entry defines"
            ),
            SchemaProblem::ArrayCycle => f.write_str(
                "the array's element types never end in a non-array type (an array cycle)",
            ),
        }
    }
}

/// Checks the rules every consumer of a schema relies on, reporting the first entry (in
/// array order) that breaks one: names are non-empty and unique; enum values are non-empty
/// and unique within their enum; every type reference names an entry or an implicit builtin
/// (`int`, `str`, …); no array is its own element type through other arrays. Unknown keys
/// and unknown features are not problems (QMP's compatibility rules).
///
/// # Errors
/// The [`SchemaError`] of the first entry that breaks a rule.
pub fn validate(entries: &[SchemaInfo]) -> Result<(), SchemaError> {
    let fail = |index: usize, problem| SchemaError {
        index,
        name: entries[index].name.clone(),
        problem,
    };
    let mut positions: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        if entry.name.is_empty() {
            return Err(fail(index, SchemaProblem::EmptyName));
        }
        if let Some(first) = positions.insert(&entry.name, index) {
            return Err(fail(index, SchemaProblem::DuplicateName { first }));
        }
        if let SchemaInfoKind::Enum { members, values } = &entry.kind {
            let mut seen = HashSet::new();
            for value in EnumMember::of(members, values) {
                if value.name.is_empty() {
                    return Err(fail(index, SchemaProblem::EmptyEnumValue));
                }
                if !seen.insert(value.name.clone()) {
                    let value = value.name;
                    return Err(fail(index, SchemaProblem::DuplicateEnumValue { value }));
                }
            }
        }
    }
    for (index, entry) in entries.iter().enumerate() {
        for (location, target) in references(&entry.kind) {
            if !positions.contains_key(target) && implicit_builtin(target).is_none() {
                let target = target.to_owned();
                return Err(fail(index, SchemaProblem::UnknownType { location, target }));
            }
        }
    }
    for (index, entry) in entries.iter().enumerate() {
        // An array chain longer than the schema never reaches a non-array type.
        let mut current = entry;
        let mut steps = 0;
        while let SchemaInfoKind::Array { element_type } = &current.kind {
            let Some(&element) = positions.get(element_type.as_str()) else {
                break;
            };
            steps += 1;
            if steps > entries.len() {
                return Err(fail(index, SchemaProblem::ArrayCycle));
            }
            current = &entries[element];
        }
    }
    Ok(())
}
