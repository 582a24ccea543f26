//! Naming: the Rust type for every entity of a `query-qmp-schema` schema.
//!
//! `query-qmp-schema` masks the names of types (`"17"`, `"[17]"`); masked numbers change from
//! one QEMU release to the next, so they are only ever keys here, never part of a name. Rust
//! names are derived from where a type is used instead.
//!
//! # The naming rule
//!
//! *Word pieces* are wire names in `UpperCamelCase` (`ident::upper_camel`:
//! `query-block` → `QueryBlock`, `BLOCK_JOB_COMPLETED` → `BlockJobCompleted`,
//! `__com.redhat_foo` → `ComRedhatFoo`).
//!
//! 1. **Builtins and arrays** have no name of their own: `int` → `i128` (the whole int64 and
//!    uint64 range), `number` → `f64`, `str` → `String`, `bool` → `bool`, `null` → `()`,
//!    `any` (and any other builtin of JSON type object, array or value) →
//!    `::qmp_types::serde_json::Value`; an array `[X]` → `Vec<X>`. An object without members
//!    and variants → `::qmp_types::Empty`.
//! 2. **Commands and events** are structs named after their wire name: `query-status` →
//!    `QueryStatus`, `BLOCK_JOB_COMPLETED` → `BlockJobCompleted` (a leading digit gets a
//!    `_` in front). When an object is the
//!    argument type of exactly one command or event, it *is* that struct (the command and its
//!    argument type have the same [`TypeNames::type_name`]); an argument type shared by
//!    several commands or events is a type of its own (see 3).
//! 3. **Every other type** (objects, enums, alternates) gets a *suggested* name from each of
//!    its use sites: the Rust name of the user followed by
//!    - `Return` for a command's return type (`QueryStatusReturn`),
//!    - `Arguments` / `Data` for an argument type shared by several commands / events,
//!    - the member's word piece for a member type (`QueryBlockItemInserted`; the union tag
//!      enum is such a member),
//!    - the case's word piece for a union variant type (`BlockdevAddQcow2`),
//!    - `Object` / `Enum` / `Array` for an alternative of an alternate (by JSON kind, unique
//!      within an alternate),
//!
//!    and, when the type is reached through arrays, `Item` once per array level; a command
//!    returning an array drops `Return` (the element of `query-block`'s `[17]` is
//!    `QueryBlockItem`).
//!    A type takes the **shortest** of its suggestions, ties broken by the name, then by the
//!    user's name and the kind and label of the use site, all in byte order. Names are handed
//!    out shortest first (a shortest-path search from the command and event structs), so a
//!    type's name is built from its user's final name.
//! 4. **Collisions.** A suggestion already held by another type, by a command or event
//!    struct, or by a reserved name (`Event`, the generated enum over all events, and the Rust
//!    prelude and std names generated code uses: `Option`, `Vec`, `String`, `Box`, `Result`,
//!    `Self`, …) is skipped and the next suggestion is tried. A type whose every suggestion is
//!    taken gets its shortest one followed by the smallest free number ≥ 2. A command or event
//!    whose name is taken gets `Command` / `Event` appended (then a number); commands claim
//!    their names before events, each in byte order of wire names (so the command `stop` is
//!    `Stop` and the event `STOP` is `StopEvent`). Every such resolution is listed by
//!    [`TypeNames::collisions`]. Two types never share a name.
//! 5. **Unreferenced types** (used by no other type) are named last:
//!    `Unreferenced` + the word pieces of their first three member names, enum values or
//!    alternative kinds; the types they use are then named from them as in 3. Types that
//!    only use each other (an unreferenced cycle) are named the same way, together. Only
//!    between unreferenced types of identical content does the schema order decide.
//! 6. **Renames** (`renames`: a schema name or a name assigned by rules 1–5 → a chosen name)
//!    fix a type's name before anything else is named; types named from it (rule 3) follow
//!    the new name.
//!
//! Only names and use sites enter the rule, never masked numbers or the order of entries, so
//! the result is deterministic and changes across releases only where the schema does: of the
//! 8336 paths (command or event → members, variants, array elements) that the bundled QEMU
//! 7.2.22 and 10.0.2 schemas share, 99.6% end at the same Rust type
//! (`tests/naming_stability.rs` measures this and requires at least 98%).

mod assign;
mod graph;
pub mod reference;
mod renames;
mod rust_type;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;

use qmp_types::introspection::{implicit_builtin, SchemaError, SchemaInfo, SchemaInfoKind};

pub use assign::RESERVED;
use graph::{Graph, Target};
pub use rust_type::RustType;

/// The Rust type of every entity of one schema (see the [module documentation](self) for
/// the rule).
#[derive(Debug, Clone)]
pub struct TypeNames {
    /// Schema name and Rust type of each entry, in schema order.
    entries: Vec<(String, RustType)>,
    /// Entry index by schema name.
    index: BTreeMap<String, usize>,
    /// The Rust name of each entry that has one.
    names: BTreeMap<String, String>,
    /// QEMU's name of each type that has one: commands and events (their wire names) and
    /// the masked types the reference manual named.
    qemu_names: BTreeMap<String, String>,
    /// The collision resolutions made while naming.
    collisions: Vec<Collision>,
}

/// A type that did not get the name it wanted first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collision {
    /// The schema name of the type (a command or event wire name, or a masked name).
    pub schema_name: String,
    /// The name it wanted.
    pub wanted: String,
    /// The schema name of the type holding that name; `None` for a reserved name.
    pub taken_by: Option<String>,
    /// The name it got.
    pub assigned: String,
}

impl fmt::Display for Collision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let holder = match &self.taken_by {
            Some(other) => format!("`{other}`"),
            None => "a reserved name".to_owned(),
        };
        write!(
            f,
            "`{}`: `{}` is taken by {holder}, named `{}` instead",
            self.schema_name, self.wanted, self.assigned
        )
    }
}

/// Why names could not be assigned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NamingError {
    /// The entries break a rule of the schema (duplicate names, a type reference that does
    /// not resolve, an array cycle): see [`qmp_types::introspection::validate`].
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// A rename key is neither a schema name nor an assigned Rust name.
    #[error(
        "rename `{key}` matches no schema entity and no assigned Rust name; \
         use a command/event name, a schema type name or a name listed by `qmp-codegen names`"
    )]
    UnknownRename {
        /// The key.
        key: String,
    },
    /// A rename key names an entity without a Rust name of its own.
    #[error("rename `{key}`: a {meta_type} has no Rust name of its own to rename")]
    NotRenamable {
        /// The key.
        key: String,
        /// The entity's `meta-type`.
        meta_type: &'static str,
    },
    /// A chosen name is not a plain Rust identifier.
    #[error(
        "rename `{key}` → `{value}`: not a valid Rust identifier \
         (ASCII letters, digits and `_`, not starting with a digit, not a keyword)"
    )]
    InvalidRename {
        /// The key.
        key: String,
        /// The chosen name.
        value: String,
    },
    /// A chosen name is reserved for generated code.
    #[error(
        "rename `{key}` → `{value}`: `{value}` is reserved (prelude/std name or the `Event` enum)"
    )]
    ReservedRename {
        /// The key.
        key: String,
        /// The chosen name.
        value: String,
    },
    /// Two renames name the same type differently.
    #[error(
        "renames `{first_key}` → `{first_value}` and `{second_key}` → `{second_value}` \
         name the same type differently"
    )]
    ConflictingRenames {
        /// The first key.
        first_key: String,
        /// The first chosen name.
        first_value: String,
        /// The second key.
        second_key: String,
        /// The second chosen name.
        second_value: String,
    },
    /// Two renames give different types the same name.
    #[error("renames `{first_key}` and `{second_key}` both choose `{value}` for different types")]
    DuplicateRename {
        /// The chosen name.
        value: String,
        /// The first key.
        first_key: String,
        /// The second key.
        second_key: String,
    },
}

impl TypeNames {
    /// Names every entity of `entries` (a whole `query-qmp-schema` result), applying
    /// `renames` (schema name or assigned Rust name → chosen Rust name).
    ///
    /// # Errors
    /// [`NamingError`] for duplicate entries, references to undefined types, self-containing
    /// arrays, and renames that match nothing, are not identifiers, are reserved, or clash.
    ///
    /// # Examples
    /// ```
    /// use std::collections::BTreeMap;
    /// use qmp_build_tools::naming::TypeNames;
    /// use qmp_types::introspection::SchemaInfo;
    ///
    /// let schema: Vec<SchemaInfo> = serde_json::from_str(r#"[
    ///     {"name": "query-block", "meta-type": "command", "arg-type": "0", "ret-type": "[17]"},
    ///     {"name": "0", "meta-type": "object", "members": []},
    ///     {"name": "[17]", "meta-type": "array", "element-type": "17"},
    ///     {"name": "17", "meta-type": "object",
    ///      "members": [{"name": "device", "type": "str"}]},
    ///     {"name": "str", "meta-type": "builtin", "json-type": "string"}
    /// ]"#).unwrap();
    /// let names = TypeNames::assign(&schema, &BTreeMap::new()).unwrap();
    /// assert_eq!(names.type_name("query-block"), Some("QueryBlock"));
    /// assert_eq!(names.rust_type("[17]").as_deref(), Some("Vec<QueryBlockItem>"));
    /// assert_eq!(names.rust_type("0").as_deref(), Some("::qmp_types::Empty"));
    /// ```
    pub fn assign(
        entries: &[SchemaInfo],
        renames: &BTreeMap<String, String>,
    ) -> Result<TypeNames, NamingError> {
        TypeNames::assign_with_reference(entries, renames, None)
    }

    /// Like [`TypeNames::assign`], with QEMU's names of masked types (from the reference
    /// manual: [`reference::match_manual`]) taking precedence over use-site names, and
    /// `renames` over both. A command's or event's argument object that QEMU names is a
    /// type of its own (`BlockdevAdd` wraps `BlockdevOptions`).
    ///
    /// # Errors
    /// As [`TypeNames::assign`].
    pub fn assign_with_reference(
        entries: &[SchemaInfo],
        renames: &BTreeMap<String, String>,
        reference: Option<&reference::ReferenceMatch>,
    ) -> Result<TypeNames, NamingError> {
        let qemu: BTreeMap<&str, &str> = reference
            .map(|r| {
                r.names
                    .iter()
                    .map(|(schema, qemu)| (schema.as_str(), qemu.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        let graph = Graph::build(entries, &qemu)?;
        let mut forced = BTreeMap::new();
        for (schema, qemu_name) in &qemu {
            let Some(slot) = graph.index.get(schema).and_then(|&i| graph.slot_of[i]) else {
                continue;
            };
            if graph.slots[slot].root.is_none() {
                forced.insert(slot, rust_name_of_qemu(qemu_name));
            }
        }
        let mut assigned = assign::assign(&graph, &forced);
        if !renames.is_empty() {
            let chosen = renames::resolve(&graph, &assigned.names, renames)?;
            // A user's name wins over QEMU's: the type QEMU gave that name falls back to its
            // use-site name.
            forced.retain(|slot, name| {
                !chosen.values().any(|c| c == name) || chosen.contains_key(slot)
            });
            forced.extend(chosen);
            assigned = assign::assign(&graph, &forced);
        }
        let mut names = BTreeMap::new();
        let mut qemu_names = BTreeMap::new();
        let mut rust = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let ty = match (graph.slot_of[i], &entry.kind) {
                (Some(slot), _) => {
                    let name = assigned.names[slot].clone();
                    names.insert(entry.name.clone(), name.clone());
                    RustType::Named(name)
                }
                (None, SchemaInfoKind::Builtin { json_type }) => RustType::Builtin(*json_type),
                (None, _) => {
                    let (target, depth) = graph.resolve(&entry.name);
                    let element = match target {
                        Target::Builtin(json_type) => RustType::Builtin(json_type),
                        Target::Empty => RustType::Empty,
                        Target::Slot(slot) => RustType::Named(assigned.names[slot].clone()),
                    };
                    element.in_arrays(depth)
                }
            };
            match &entry.kind {
                SchemaInfoKind::Command { .. } | SchemaInfoKind::Event { .. } => {
                    qemu_names.insert(entry.name.clone(), entry.name.clone());
                }
                _ => {
                    if let Some(qemu_name) = qemu.get(entry.name.as_str()) {
                        qemu_names.insert(entry.name.clone(), (*qemu_name).to_owned());
                    }
                }
            }
            rust.push((entry.name.clone(), ty));
        }
        Ok(TypeNames {
            index: rust
                .iter()
                .enumerate()
                .map(|(i, (name, _))| (name.clone(), i))
                .collect(),
            entries: rust,
            names,
            qemu_names,
            collisions: assigned.collisions,
        })
    }

    /// QEMU's own name of a schema entity: a command's or event's wire name, or the name the
    /// reference manual gives a masked type; `None` for types it did not name.
    pub fn qemu_name(&self, schema_name: &str) -> Option<&str> {
        self.qemu_names.get(schema_name).map(String::as_str)
    }

    /// The `UpperCamelCase` name of a named type: an object with members or variants, an
    /// enum, an alternate, or a command or event struct. `None` for builtins, arrays, empty
    /// objects and names the schema does not define.
    ///
    /// A command (event) and its argument object return the same name exactly when the
    /// object is the command (event) struct itself (rule 2 of the [module docs](self)).
    pub fn type_name(&self, schema_name: &str) -> Option<&str> {
        self.names.get(schema_name).map(String::as_str)
    }

    /// The Rust type expression for a schema name: `"i128"`, `"Vec<QueryBlockItem>"`,
    /// `"::qmp_types::Empty"`, `"QueryStatus"`, …; `None` for names the schema does not
    /// define (other than the six builtin names, which are always known).
    pub fn rust_type(&self, schema_name: &str) -> Option<String> {
        self.type_of(schema_name).map(|ty| ty.to_string())
    }

    /// The Rust type of a schema name as a value (see [`TypeNames::rust_type`] for text).
    pub fn type_of(&self, schema_name: &str) -> Option<RustType> {
        match self.index.get(schema_name) {
            Some(&i) => self.entries.get(i).map(|(_, ty)| ty.clone()),
            None => implicit_builtin(schema_name).map(RustType::Builtin),
        }
    }

    /// Every schema entity in schema order with its Rust type expression (what
    /// `qmp-codegen names` lists).
    pub fn iter(&self) -> impl Iterator<Item = (&str, String)> {
        self.entries
            .iter()
            .map(|(name, ty)| (name.as_str(), ty.to_string()))
    }

    /// The collisions resolved while naming (rule 4), for `--verbose` output.
    pub fn collisions(&self) -> &[Collision] {
        &self.collisions
    }
}

/// The Rust name of a type QEMU names `qemu_name`: the name itself where it is a plain
/// identifier that Rust's and clippy's naming lints accept (`BlockInfo`, `GICCapability`,
/// `X86CPURegister32`), else its `UpperCamelCase` form; a name reserved for generated code
/// (QEMU's struct `String`) gets the prefix `Qapi`.
fn rust_name_of_qemu(qemu_name: &str) -> String {
    let plain = crate::ident::is_plain_ident(qemu_name)
        && qemu_name.starts_with(|c: char| c.is_ascii_uppercase())
        && !qemu_name.contains('_')
        // clippy's `upper_case_acronyms` objects to names in capitals only.
        && qemu_name.chars().any(|c| c.is_ascii_lowercase());
    let mut name = if plain {
        qemu_name.to_owned()
    } else {
        crate::ident::upper_camel(qemu_name)
    };
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if RESERVED.contains(&name.as_str()) {
        format!("Qapi{name}")
    } else {
        name
    }
}
