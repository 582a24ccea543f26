//! Release diff: what changed between two `query-qmp-schema` captures (`qmp-codegen diff OLD
//! NEW`), compared structurally from commands and events so that masked type names, which
//! differ between releases, never matter and never appear.
//!
//! Reported: commands and events added and removed; members (arguments) added, removed, made
//! optional or required; types whose shape changed (e.g. a return type that was an object and
//! is now an array); union variants, enum values and alternate branches added and removed;
//! features (`deprecated`, `unstable`, …) gained and lost; `allow-oob` changes; and, when both
//! schemas come with their reference manuals, types QEMU renamed ([`diff_sides`]).
//!
//! Each change is reported once, under the shortest path that reaches it; among equally short
//! paths, under the one that is smallest component by component (see [`SchemaPath`] for the
//! path syntax). A type shared by several commands is therefore compared once.
//!
//! # Examples
//!
//! ```
//! use qmp_build_tools::diff::{diff, ChangeKind};
//! use qmp_types::introspection::SchemaInfo;
//!
//! let old: Vec<SchemaInfo> = serde_json::from_str(r#"[
//!   {"name": "query-status", "meta-type": "command", "arg-type": "0", "ret-type": "1"},
//!   {"name": "0", "meta-type": "object", "members": []},
//!   {"name": "1", "meta-type": "object", "members": [{"name": "running", "type": "bool"},
//!     {"name": "singlestep", "type": "bool", "features": ["deprecated"]}]},
//!   {"name": "bool", "meta-type": "builtin", "json-type": "boolean"}
//! ]"#)?;
//! let new: Vec<SchemaInfo> = serde_json::from_str(r#"[
//!   {"name": "query-status", "meta-type": "command", "arg-type": "7", "ret-type": "8"},
//!   {"name": "7", "meta-type": "object", "members": []},
//!   {"name": "8", "meta-type": "object", "members": [{"name": "running", "type": "bool"}]},
//!   {"name": "bool", "meta-type": "builtin", "json-type": "boolean"}
//! ]"#)?;
//! let changes = diff(old, new)?;
//! assert_eq!(changes.changes.len(), 1);
//! assert_eq!(changes.changes[0].path.to_string(), "query-status/ret-type/singlestep");
//! assert_eq!(changes.changes[0].kind, ChangeKind::MemberRemoved);
//! assert!(changes.to_string().contains("Members removed (1):"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod change;
mod render;
mod walk;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use qmp_types::introspection::SchemaError;
use qmp_types::introspection::SchemaInfo;
use qmp_types::probe::SchemaIndex;
use serde::Serialize;

pub use change::{Change, ChangeKind, SchemaPath};

use crate::naming::reference::match_manual;
pub use crate::reference::Manual;

/// Reads a QEMU reference manual (`qemu-qmp-ref.7` or `.7.gz`, either layout) for a
/// [`DiffSide`].
///
/// # Errors
/// When the file cannot be read or is no QEMU reference manual; the error names the file.
pub fn read_manual(path: &Path) -> crate::Result<Manual> {
    crate::reference::read(path)
}

/// QEMU's names of both schemas' masked types (schema name → QEMU name), as their reference
/// manuals give them; a type the manuals do not name has no entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QemuNames {
    /// The old schema's types.
    pub old: BTreeMap<String, String>,
    /// The new schema's types.
    pub new: BTreeMap<String, String>,
}

/// One side of a diff: a schema's text, its name in messages, and its reference manual.
#[derive(Debug, Clone, Copy)]
pub struct DiffSide<'a> {
    /// The schema's file or name, for messages.
    pub name: &'a str,
    /// The schema: the `return` array of `query-qmp-schema`.
    pub json: &'a str,
    /// QEMU's reference manual for the schema, if at hand: with both sides' manuals, the
    /// diff also reports types QEMU renamed ([`ChangeKind::TypeRenamed`]).
    pub manual: Option<&'a Manual>,
}

/// The changes from one schema to another, sorted by path.
///
/// `Display` gives the human-readable report; `Serialize` (see [`SchemaDiff::to_json`]) gives
/// `{"changes": [{"path": "…", "change": "member-added", …}, …]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaDiff {
    /// Every change, sorted by path, then kind.
    pub changes: Vec<Change>,
}

/// A schema that cannot be compared; every variant names the side (`old` or `new`) and the
/// schema's file or name.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiffError {
    /// A schema file could not be read.
    #[error("cannot read {side} schema {path}: {source}")]
    Read {
        /// `old` or `new`.
        side: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A schema is not a well-formed `query-qmp-schema` result.
    #[error("{side} schema {name}: {source}")]
    Schema {
        /// `old` or `new`.
        side: &'static str,
        /// The schema's file or name.
        name: String,
        /// What the parse stage reported (with line and column, or the entry); boxed, as it
        /// is large.
        source: Box<crate::error::Error>,
    },
    /// A schema's entries are inconsistent (duplicate names, unresolved type references).
    #[error("{side} schema {name}: {source}")]
    Index {
        /// `old` or `new`.
        side: &'static str,
        /// The schema's file or name.
        name: String,
        /// What is inconsistent.
        source: SchemaError,
    },
}

impl SchemaDiff {
    /// The changes from `old` to `new`.
    pub fn between(old: &SchemaIndex, new: &SchemaIndex) -> SchemaDiff {
        SchemaDiff::between_named(old, new, &QemuNames::default())
    }

    /// The changes from `old` to `new`, with the types whose QEMU name differs in `names`
    /// reported as renamed.
    pub fn between_named(old: &SchemaIndex, new: &SchemaIndex, names: &QemuNames) -> SchemaDiff {
        let mut changes = walk::changes(old, new, names);
        changes.sort();
        SchemaDiff { changes }
    }

    /// Whether the schemas are structurally the same.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The diff as pretty-printed JSON, for tools.
    ///
    /// # Errors
    /// Only if `serde_json` fails to serialise plain strings and booleans, which it does not.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }
}

impl fmt::Display for SchemaDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        render::render(&self.changes, f)
    }
}

/// The changes from the entries `old` to the entries `new` (each a `query-qmp-schema` result).
///
/// # Errors
/// [`DiffError::Index`] when a schema has duplicate names or unresolved type references.
pub fn diff(old: Vec<SchemaInfo>, new: Vec<SchemaInfo>) -> Result<SchemaDiff, DiffError> {
    let old = index("old", "(in memory)", old)?;
    let new = index("new", "(in memory)", new)?;
    Ok(SchemaDiff::between(&old, &new))
}

/// The changes from the schema JSON `old_json` (called `old_name` in errors) to `new_json`
/// (each the `return` array of `query-qmp-schema`, like the files in `schemas/`).
///
/// # Errors
/// [`DiffError::Schema`] for malformed JSON or entries (see `parse::parse`),
/// naming the side and the schema.
pub fn diff_json(
    old_name: &str,
    old_json: &str,
    new_name: &str,
    new_json: &str,
) -> Result<SchemaDiff, DiffError> {
    let side = |name, json| DiffSide {
        name,
        json,
        manual: None,
    };
    diff_sides(side(old_name, old_json), side(new_name, new_json))
}

/// The changes from the schema `old` to `new` (see [`diff_json`]); where both come with
/// their reference manuals, also the types QEMU renamed.
///
/// # Errors
/// As [`diff_json`].
pub fn diff_sides(old: DiffSide<'_>, new: DiffSide<'_>) -> Result<SchemaDiff, DiffError> {
    let (old_index, old_names) = from_side("old", old)?;
    let (new_index, new_names) = from_side("new", new)?;
    let names = match (old_names, new_names) {
        (Some(old), Some(new)) => QemuNames { old, new },
        _ => QemuNames::default(),
    };
    Ok(SchemaDiff::between_named(&old_index, &new_index, &names))
}

/// The changes from the schema file `old` to the schema file `new`.
///
/// # Errors
/// [`DiffError::Read`] when a file cannot be read, else as [`diff_json`], naming the file.
pub fn diff_files(old: &Path, new: &Path) -> Result<SchemaDiff, DiffError> {
    let read = |side, path: &Path| {
        std::fs::read_to_string(path).map_err(|source| DiffError::Read {
            side,
            path: path.to_owned(),
            source,
        })
    };
    let (old_json, new_json) = (read("old", old)?, read("new", new)?);
    diff_json(
        &old.display().to_string(),
        &old_json,
        &new.display().to_string(),
        &new_json,
    )
}

/// The indexed schema of one side, and QEMU's names of its types when it has a manual.
fn from_side(
    label: &'static str,
    side: DiffSide<'_>,
) -> Result<(SchemaIndex, Option<BTreeMap<String, String>>), DiffError> {
    let entries = crate::parse::parse(side.json).map_err(|source| DiffError::Schema {
        side: label,
        name: side.name.to_owned(),
        source: Box::new(source),
    })?;
    let names = side
        .manual
        .map(|manual| match_manual(&entries, manual).names);
    Ok((index(label, side.name, entries)?, names))
}

fn index(
    side: &'static str,
    name: &str,
    entries: Vec<SchemaInfo>,
) -> Result<SchemaIndex, DiffError> {
    SchemaIndex::new(entries).map_err(|source| DiffError::Index {
        side,
        name: name.to_owned(),
        source,
    })
}
