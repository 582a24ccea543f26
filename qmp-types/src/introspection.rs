//! The serde model of `query-qmp-schema` output (QAPI `SchemaInfo`), shared by the code
//! generator, schema capture, release diffs and runtime capability probing.
//!
//! Unknown keys are ignored, as the QMP compatibility rules require. Type references
//! (`arg-type`, `type`, `element-type`, …) are the schema's own names: builtin names
//! (`"int"`), masked numbers (`"17"`) or masked array names (`"[17]"`). [`validate`] holds
//! the rules a schema must follow (unique names, resolving references, …), once for all.

use serde::{Deserialize, Serialize};

mod validate;

pub use validate::{implicit_builtin, references, validate, SchemaError, SchemaProblem};

/// The command `query-qmp-schema` (no arguments), answered by the server's whole schema:
/// what [`crate::probe::SchemaIndex`] indexes. Generated bindings have it too; this one needs
/// none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QueryQmpSchema {}

impl crate::Command for QueryQmpSchema {
    const NAME: &'static str = "query-qmp-schema";
    const ALLOW_OOB: bool = false;
    type Output = Vec<SchemaInfo>;
}

/// One entry of the `query-qmp-schema` array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemaInfo {
    /// The entity's name: a command or event wire name, a builtin name, or a masked type name.
    pub name: String,
    /// Special features (`"deprecated"`, `"unstable"`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
    /// What kind of entity this is, with its kind-specific data.
    #[serde(flatten)]
    pub kind: SchemaInfoKind,
}

/// The `meta-type` of a [`SchemaInfo`] and the data that comes with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "meta-type", rename_all = "kebab-case")]
pub enum SchemaInfoKind {
    /// A builtin type (`int`, `str`, `number`, `bool`, `null`, `any`).
    Builtin {
        /// The JSON type of the builtin.
        #[serde(rename = "json-type")]
        json_type: JsonType,
    },
    /// An enumeration of strings.
    Enum {
        /// The values with their features (QEMU ≥ 6.2); preferred over `values`.
        #[serde(default)]
        members: Option<Vec<EnumMember>>,
        /// The values (every release; deprecated in favour of `members`).
        #[serde(default)]
        values: Option<Vec<String>>,
    },
    /// An array; its `name` is `[ELEMENT]`.
    Array {
        /// The element type.
        #[serde(rename = "element-type")]
        element_type: String,
    },
    /// A JSON object, possibly a flat union (`tag` and `variants`).
    Object {
        /// The object's (base) members.
        members: Vec<ObjectMember>,
        /// The name of the member whose value selects a variant.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tag: Option<String>,
        /// The variants: extra members per tag value.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        variants: Vec<Variant>,
    },
    /// A value that may have one of several JSON types.
    Alternate {
        /// The alternatives.
        members: Vec<AlternateMember>,
    },
    /// A command.
    Command {
        /// The arguments type (an object type).
        #[serde(rename = "arg-type")]
        arg_type: String,
        /// The return type.
        #[serde(rename = "ret-type")]
        ret_type: String,
        /// Whether the command may be executed out of band.
        #[serde(rename = "allow-oob", default)]
        allow_oob: bool,
    },
    /// An event.
    Event {
        /// The event data type (an object type).
        #[serde(rename = "arg-type")]
        arg_type: String,
    },
}

/// The JSON type of a builtin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JsonType {
    /// A JSON string.
    String,
    /// A JSON number.
    Number,
    /// A JSON integer.
    Int,
    /// `true` or `false`.
    Boolean,
    /// `null`.
    Null,
    /// A JSON object.
    Object,
    /// A JSON array.
    Array,
    /// Any JSON value.
    Value,
}

/// One value of an enum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnumMember {
    /// The value's wire name.
    pub name: String,
    /// Special features of this value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
}

/// One member of an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectMember {
    /// The member's wire name.
    pub name: String,
    /// The member's type.
    #[serde(rename = "type")]
    pub type_: String,
    /// Present (always `null` today) when the member is optional.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub default: Option<serde_json::Value>,
    /// Special features of this member.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
}

impl ObjectMember {
    /// Whether the member is optional (its `default` key is present).
    pub fn is_optional(&self) -> bool {
        self.default.is_some()
    }
}

/// Keeps a present `"default": null` as `Some(Value::Null)`, so presence means "optional".
fn present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(deserializer).map(Some)
}

/// One variant of a flat union.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// The tag value selecting this variant.
    pub case: String,
    /// The object type holding the variant's extra members.
    #[serde(rename = "type")]
    pub type_: String,
}

/// One alternative of an alternate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlternateMember {
    /// The alternative's type.
    #[serde(rename = "type")]
    pub type_: String,
}

impl SchemaInfoKind {
    /// The schema's `meta-type` string for this kind.
    pub fn meta_type(&self) -> &'static str {
        match self {
            Self::Builtin { .. } => "builtin",
            Self::Enum { .. } => "enum",
            Self::Array { .. } => "array",
            Self::Object { .. } => "object",
            Self::Alternate { .. } => "alternate",
            Self::Command { .. } => "command",
            Self::Event { .. } => "event",
        }
    }
}

impl JsonType {
    /// The type's wire spelling, as in the schema's `json-type` (`"string"`, `"int"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Int => "int",
            JsonType::Boolean => "boolean",
            JsonType::Null => "null",
            JsonType::Object => "object",
            JsonType::Array => "array",
            JsonType::Value => "value",
        }
    }
}

impl EnumMember {
    /// The values of an enum entry: `members` when present, else `values`.
    pub fn of(members: &Option<Vec<EnumMember>>, values: &Option<Vec<String>>) -> Vec<EnumMember> {
        match (members, values) {
            (Some(members), _) => members.clone(),
            (None, Some(values)) => values
                .iter()
                .map(|name| EnumMember {
                    name: name.clone(),
                    features: Vec::new(),
                })
                .collect(),
            (None, None) => Vec::new(),
        }
    }
}
