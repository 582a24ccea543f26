//! QEMU's own documentation text for `help`: per command or event (whose names the live
//! schema does not mask), its description, `Since:`, member and feature descriptions and the
//! return description.
//!
//! The text comes from QEMU's reference manual (`qemu-qmp-ref(7)`), read by
//! `qmp_build_tools::reference`. That reader is being written on another branch; until it is
//! merged, the shell starts with [`Docs::default`] (no text) and `help` shows what the live
//! schema says. The seam is [`Docs::insert`]: turning a manual `Definition` into a
//! [`DocEntry`] is a field-by-field copy (description, since, members' and features' docs,
//! `returns.doc`).

use std::collections::BTreeMap;

/// Doc text by command or event wire name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Docs {
    entries: BTreeMap<String, DocEntry>,
}

/// The documentation of one command or event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocEntry {
    /// The `Since:` version, if stated.
    pub since: Option<String>,
    /// The description (Markdown).
    pub text: String,
    /// Description per member (argument or event data member) wire name.
    pub members: BTreeMap<String, String>,
    /// Description per feature name (`deprecated`, `unstable`, …).
    pub features: BTreeMap<String, String>,
    /// What the command returns, in words.
    pub returns: Option<String>,
}

impl Docs {
    /// Adds (or replaces) the documentation of the command or event `name`.
    pub fn insert(&mut self, name: impl Into<String>, entry: DocEntry) {
        self.entries.insert(name.into(), entry);
    }

    /// The documentation of the command or event `name`.
    pub fn get(&self, name: &str) -> Option<&DocEntry> {
        self.entries.get(name)
    }
}
