//! The live server's schema as the shell needs it: commands and events by name, the members
//! of an argument type with the union variants that the tag values already given select, and
//! what kind of JSON value a member takes (for value completion and type-guided parsing).

use serde_json::{Map, Value};

use qmp_types::introspection::SchemaError;
use qmp_types::introspection::{EnumMember, JsonType, ObjectMember, SchemaInfo, SchemaInfoKind};
use qmp_types::probe::SchemaIndex;

/// An indexed `query-qmp-schema` result with the command and event names kept sorted.
#[derive(Debug, Clone)]
pub struct Schema {
    index: SchemaIndex,
    commands: Vec<String>,
    events: Vec<String>,
}

/// A command's entry: its argument and return types, `allow-oob` and features.
#[derive(Debug, Clone, Copy)]
pub struct CommandInfo<'a> {
    /// The wire name.
    pub name: &'a str,
    /// The arguments type (an object type, possibly a union).
    pub arg_type: &'a str,
    /// The return type.
    pub ret_type: &'a str,
    /// Whether the command may be executed out of band.
    pub allow_oob: bool,
    /// The command's features (`deprecated`, `unstable`, …).
    pub features: &'a [String],
}

/// Which variants of a flat union count when listing its members.
#[derive(Debug, Clone, Copy)]
pub enum Variants<'v> {
    /// Only the variant the tag's value in these arguments selects (none when the tag is
    /// absent or its value is not a case).
    SelectedBy(&'v Map<String, Value>),
    /// The selected variant when the tag has a known value in these arguments, otherwise
    /// every variant (checking a member whose tag comes later on the line).
    SelectedOrAll(&'v Map<String, Value>),
}

/// What kind of JSON value a type takes, as far as completion and parsing care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueKind {
    /// A string: a `str` builtin, or an enum with these values.
    String(Vec<String>),
    /// `true` or `false`.
    Boolean,
    /// An integer or a number.
    Number,
    /// A JSON object (an object type).
    Object,
    /// A JSON array.
    Array,
    /// `null`.
    Null,
    /// Any JSON value (`any`).
    Any,
    /// One of several kinds (an alternate).
    OneOf(Vec<ValueKind>),
}

impl Schema {
    /// Indexes a `query-qmp-schema` result.
    ///
    /// # Errors
    /// The [`SchemaError`] of [`SchemaIndex::new`] (duplicate names, dangling type references, …).
    pub fn new(entries: Vec<SchemaInfo>) -> Result<Schema, SchemaError> {
        let mut commands = Vec::new();
        let mut events = Vec::new();
        for entry in &entries {
            match entry.kind {
                SchemaInfoKind::Command { .. } => commands.push(entry.name.clone()),
                SchemaInfoKind::Event { .. } => events.push(entry.name.clone()),
                _ => {}
            }
        }
        commands.sort();
        events.sort();
        Ok(Schema {
            index: SchemaIndex::new(entries)?,
            commands,
            events,
        })
    }

    /// Every command name, sorted.
    pub fn commands(&self) -> &[String] {
        &self.commands
    }

    /// Every event name, sorted.
    pub fn events(&self) -> &[String] {
        &self.events
    }

    /// The entry called `name` (command, event, builtin or masked type name).
    pub fn entry(&self, name: &str) -> Option<&SchemaInfo> {
        self.index.get(name)
    }

    /// The command called `name`.
    pub fn command(&self, name: &str) -> Option<CommandInfo<'_>> {
        let entry = self.index.get(name)?;
        match &entry.kind {
            SchemaInfoKind::Command {
                arg_type,
                ret_type,
                allow_oob,
            } => Some(CommandInfo {
                name: &entry.name,
                arg_type,
                ret_type,
                allow_oob: *allow_oob,
                features: &entry.features,
            }),
            _ => None,
        }
    }

    /// The members of the object type `type_name` (its base members, then those of the
    /// variants `variants` selects, recursively for nested unions). Empty for a type that is
    /// not an object.
    pub fn members<'s>(&'s self, type_name: &str, variants: Variants<'_>) -> Vec<&'s ObjectMember> {
        let mut found = Vec::new();
        self.collect_members(type_name, variants, &mut found);
        found
    }

    fn collect_members<'s>(
        &'s self,
        type_name: &str,
        variants: Variants<'_>,
        found: &mut Vec<&'s ObjectMember>,
    ) {
        let Some(SchemaInfoKind::Object {
            members,
            tag,
            variants: cases,
        }) = self.index.get(type_name).map(|entry| &entry.kind)
        else {
            return;
        };
        found.extend(members.iter());
        let Some(tag) = tag else { return };
        let (given, all_when_unknown) = match variants {
            Variants::SelectedBy(given) => (given, false),
            Variants::SelectedOrAll(given) => (given, true),
        };
        let selected = given
            .get(tag)
            .and_then(Value::as_str)
            .and_then(|value| cases.iter().find(|case| case.case == value));
        match selected {
            Some(case) => self.collect_members(&case.type_, variants, found),
            None if all_when_unknown => {
                for case in cases {
                    self.collect_members(&case.type_, variants, found);
                }
            }
            None => {}
        }
    }

    /// The member `name` of the object type `type_name` (see [`Schema::members`]).
    pub fn member<'s>(
        &'s self,
        type_name: &str,
        name: &str,
        variants: Variants<'_>,
    ) -> Option<&'s ObjectMember> {
        self.members(type_name, variants)
            .into_iter()
            .find(|member| member.name == name)
    }

    /// The object type a value of `type_name` is when it is a JSON object: the type itself, or
    /// the object branch of an alternate.
    pub fn object_type<'s>(&'s self, type_name: &'s str) -> Option<&'s str> {
        match &self.index.get(type_name)?.kind {
            SchemaInfoKind::Object { .. } => Some(type_name),
            SchemaInfoKind::Alternate { members } => members.iter().find_map(|branch| {
                match self.index.get(&branch.type_).map(|e| &e.kind) {
                    Some(SchemaInfoKind::Object { .. }) => Some(branch.type_.as_str()),
                    _ => None,
                }
            }),
            _ => None,
        }
    }

    /// The element type of the array type `type_name` (or of an alternate's array branch).
    pub fn element_type<'s>(&'s self, type_name: &'s str) -> Option<&'s str> {
        match &self.index.get(type_name)?.kind {
            SchemaInfoKind::Array { element_type } => Some(element_type),
            SchemaInfoKind::Alternate { members } => members
                .iter()
                .find_map(|branch| self.element_type(&branch.type_)),
            _ => None,
        }
    }

    /// What kind of JSON value `type_name` takes.
    pub fn value_kind(&self, type_name: &str) -> ValueKind {
        let Some(entry) = self.index.get(type_name) else {
            return ValueKind::Any;
        };
        match &entry.kind {
            SchemaInfoKind::Builtin { json_type } => match json_type {
                JsonType::String => ValueKind::String(Vec::new()),
                JsonType::Boolean => ValueKind::Boolean,
                JsonType::Int | JsonType::Number => ValueKind::Number,
                JsonType::Null => ValueKind::Null,
                JsonType::Object => ValueKind::Object,
                JsonType::Array => ValueKind::Array,
                JsonType::Value => ValueKind::Any,
            },
            SchemaInfoKind::Enum { members, values } => ValueKind::String(
                EnumMember::of(members, values)
                    .into_iter()
                    .map(|value| value.name)
                    .collect(),
            ),
            SchemaInfoKind::Array { .. } => ValueKind::Array,
            SchemaInfoKind::Object { .. } => ValueKind::Object,
            SchemaInfoKind::Alternate { members } => ValueKind::OneOf(
                members
                    .iter()
                    .map(|branch| self.value_kind(&branch.type_))
                    .collect(),
            ),
            SchemaInfoKind::Command { .. } | SchemaInfoKind::Event { .. } => ValueKind::Any,
        }
    }
}

impl ValueKind {
    /// Whether a string is among the values this kind takes.
    pub fn takes_string(&self) -> bool {
        match self {
            ValueKind::String(_) | ValueKind::Any => true,
            ValueKind::OneOf(kinds) => kinds.iter().any(ValueKind::takes_string),
            _ => false,
        }
    }

    /// Whether only strings are (no number, boolean, object, …), so that `key=123` means the
    /// string `"123"`.
    pub fn only_strings(&self) -> bool {
        match self {
            ValueKind::String(_) => true,
            ValueKind::OneOf(kinds) => kinds.iter().all(ValueKind::only_strings),
            _ => false,
        }
    }

    /// The literal values worth offering for completion: enum values and `true`/`false`.
    pub fn literals(&self) -> Vec<String> {
        match self {
            ValueKind::String(values) => values.clone(),
            ValueKind::Boolean => vec!["false".into(), "true".into()],
            ValueKind::OneOf(kinds) => kinds.iter().flat_map(ValueKind::literals).collect(),
            _ => Vec::new(),
        }
    }
}
