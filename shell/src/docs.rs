//! QEMU's own names and documentation for `help`: doc text per command, event and QEMU type
//! name (description, `Since:`, member, feature and return descriptions), and QEMU's names
//! of the schema's masked types (`"29"` → `BlockInfo`).
//!
//! Both come from QEMU's reference manual (`qemu-qmp-ref(7)`): its reader is
//! `qmp_build_tools::reference::read` and the schema/manual matching that names masked types
//! is `qmp_build_tools::naming::reference::match_manual`. They were written on another branch;
//! until this branch has them, the shell starts with [`Docs::default`] (no text, schema
//! names) and `help` shows what the live schema says. The seam is small: for each manual
//! `Definition`, [`Docs::insert`] a [`DocEntry`] (its `doc`, `since`, the `doc` of its members
//! and of the members of its bases, its features' docs, `returns.doc`) under its name, and
//! for each `(schema name, QEMU name)` of `match_manual`'s `names`, [`Docs::name_type`].

use std::collections::BTreeMap;

/// Doc text by command, event or QEMU type name, and QEMU's names of masked types.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Docs {
    entries: BTreeMap<String, DocEntry>,
    /// Schema name of a masked type → QEMU's name.
    qemu_names: BTreeMap<String, String>,
    /// QEMU's name → schema name.
    schema_types: BTreeMap<String, String>,
}

/// The documentation of one command, event or type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocEntry {
    /// The `Since:` version, if stated.
    pub since: Option<String>,
    /// The description (Markdown).
    pub text: String,
    /// Description per member (argument, event data member, object member, enum value).
    pub members: BTreeMap<String, String>,
    /// Description per feature name (`deprecated`, `unstable`, …).
    pub features: BTreeMap<String, String>,
    /// What the command returns, in words.
    pub returns: Option<String>,
}

impl Docs {
    /// Adds (or replaces) the documentation of the command, event or QEMU type `name`.
    pub fn insert(&mut self, name: impl Into<String>, entry: DocEntry) {
        self.entries.insert(name.into(), entry);
    }

    /// Records that the schema's masked type `schema_type` is QEMU's `qemu_name`.
    pub fn name_type(&mut self, schema_type: &str, qemu_name: &str) {
        self.qemu_names
            .insert(schema_type.to_owned(), qemu_name.to_owned());
        self.schema_types
            .insert(qemu_name.to_owned(), schema_type.to_owned());
    }

    /// The documentation of the command, event or QEMU type `name`.
    pub fn get(&self, name: &str) -> Option<&DocEntry> {
        self.entries.get(name)
    }

    /// QEMU's name of the schema type `schema_type`, where known.
    pub fn qemu_name(&self, schema_type: &str) -> Option<&str> {
        self.qemu_names.get(schema_type).map(String::as_str)
    }

    /// The schema type QEMU calls `qemu_name`, where known.
    pub fn schema_type(&self, qemu_name: &str) -> Option<&str> {
        self.schema_types.get(qemu_name).map(String::as_str)
    }

    /// The documentation of the schema type `schema_type`, through QEMU's name of it.
    pub fn type_doc(&self, schema_type: &str) -> Option<&DocEntry> {
        self.get(self.qemu_name(schema_type)?)
    }
}
