//! The vocabulary of a release diff: [`SchemaPath`] (where) and [`Change`] (what).

use std::fmt;

use serde::{Serialize, Serializer};

/// Where a change is: a path of components from a command or event, never naming a masked type.
///
/// Components are the command or event name, `arg-type` / `ret-type`, member names, `+case`
/// for a union variant, `^value` for an enum value, `[]` for an array's elements and `|type`
/// (`|object`, `|string`, `|null`, …) for the branch of an alternate that has that JSON type.
/// Displays and serialises as the components joined by `/`, e.g.
/// `blockdev-add/arg-type/+file/aio/^io_uring`. Ordered component by component.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SchemaPath(Vec<String>);

impl SchemaPath {
    /// A path of one component: a command or event name.
    pub fn root(name: &str) -> SchemaPath {
        SchemaPath(vec![name.to_owned()])
    }

    /// This path extended by one component.
    pub fn join(&self, component: impl Into<String>) -> SchemaPath {
        let mut components = self.0.clone();
        components.push(component.into());
        SchemaPath(components)
    }

    /// The components, root first.
    pub fn components(&self) -> &[String] {
        &self.0
    }
}

impl fmt::Display for SchemaPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("/"))
    }
}

impl Serialize for SchemaPath {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One difference between two schemas, at the path it is reported under.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Change {
    /// Where the change is.
    pub path: SchemaPath,
    /// What changed.
    #[serde(flatten)]
    pub kind: ChangeKind,
}

/// What changed at a [`SchemaPath`]. Serialised with a `change` tag in kebab-case, e.g.
/// `{"path": "…", "change": "member-added", "optional": true, "features": []}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum ChangeKind {
    /// A command exists only in the new schema.
    CommandAdded {
        /// The command's features (`deprecated`, `unstable`, …).
        features: Vec<String>,
    },
    /// A command exists only in the old schema.
    CommandRemoved,
    /// An event exists only in the new schema.
    EventAdded {
        /// The event's features.
        features: Vec<String>,
    },
    /// An event exists only in the old schema.
    EventRemoved,
    /// An object member (or argument) exists only in the new schema.
    MemberAdded {
        /// Whether the new member is optional.
        optional: bool,
        /// The member's features.
        features: Vec<String>,
    },
    /// An object member (or argument) exists only in the old schema.
    MemberRemoved,
    /// A required member became optional.
    MadeOptional,
    /// An optional member became required.
    MadeRequired,
    /// A union variant (`+case`) exists only in the new schema.
    VariantAdded,
    /// A union variant (`+case`) exists only in the old schema.
    VariantRemoved,
    /// An enum value (`^value`) exists only in the new schema.
    EnumValueAdded {
        /// The value's features.
        features: Vec<String>,
    },
    /// An enum value (`^value`) exists only in the old schema.
    EnumValueRemoved,
    /// An alternate gained a branch (`|type`).
    AlternativeAdded,
    /// An alternate lost a branch (`|type`).
    AlternativeRemoved,
    /// The type at the path has a different shape (kind, builtin or array nesting), e.g. a
    /// return type that was an object and is now an array of objects.
    TypeChanged {
        /// The old shape, e.g. `object`, `str`, `array of enum`.
        old: String,
        /// The new shape.
        new: String,
    },
    /// The type at the path has another QEMU name (known only when both schemas come with
    /// their reference manuals): QEMU renamed the type, e.g. `QCryptoCipherAlgorithm` →
    /// `QCryptoCipherAlgo` in 9.1. Bindings named by QEMU rename the Rust type with it.
    TypeRenamed {
        /// QEMU's old name of the type.
        old: String,
        /// QEMU's new name.
        new: String,
    },
    /// An object's union tag member changed (`None`: not a union).
    TagChanged {
        /// The old tag member.
        old: Option<String>,
        /// The new tag member.
        new: Option<String>,
    },
    /// The command, event, member, enum value or type at the path gained a feature.
    FeatureAdded {
        /// The feature, e.g. `deprecated`.
        feature: String,
    },
    /// The command, event, member, enum value or type at the path lost a feature.
    FeatureRemoved {
        /// The feature.
        feature: String,
    },
    /// A command's out-of-band permission (`allow-oob`) changed.
    AllowOobChanged {
        /// Whether the new schema allows out-of-band execution.
        allowed: bool,
    },
}
