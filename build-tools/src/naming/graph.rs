//! The schema seen as a naming graph: which entries need a Rust name ("slots"), which entries
//! share one (a command and the argument object it owns), and every use site through which a
//! slot suggests a name for another.

use std::collections::BTreeMap;

use qmp_types::introspection::{implicit_builtin, validate, JsonType, SchemaInfo, SchemaInfoKind};

use super::NamingError;
use crate::ident::upper_camel;

/// What a type reference denotes once arrays are looked through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// A builtin JSON type.
    Builtin(JsonType),
    /// An object without members and variants (rendered as `::qmp_types::Empty`).
    Empty,
    /// A type with a Rust name of its own.
    Slot(usize),
}

/// How a use site relates the user to the used type; orders candidates with equal names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum UseKind {
    /// The return type of a command.
    Return,
    /// The argument object shared by several commands/events (`Arguments` / `Data`).
    Arguments,
    /// A member of an object.
    Member,
    /// A variant of a flat union.
    Variant,
    /// A branch of an alternate.
    Alternative,
    /// No use site at all: the type is unreferenced.
    Unreferenced,
}

/// One place where a slot uses another type: the user's name + `suffix` is a candidate name
/// for `target`.
#[derive(Debug, Clone)]
pub(super) struct Use {
    /// The used slot.
    pub target: usize,
    /// Appended to the user's Rust name (already includes `Item` per array level).
    pub suffix: String,
    /// The kind of use site.
    pub kind: UseKind,
    /// The member name, variant case or alternative kind (stable across releases).
    pub label: String,
}

/// A named Rust type: one or two schema entries (a command or event and its owned argument
/// object share one).
#[derive(Debug, Clone)]
pub(super) struct Slot {
    /// The entries (indices into the schema) this slot names; the first one represents it.
    pub entries: Vec<usize>,
    /// Whether this is a command or event struct (a required, not a suggested, name).
    pub root: Option<RootKind>,
    /// The slot's use sites of other types.
    pub uses: Vec<Use>,
    /// Whether some other slot uses this one.
    pub referenced: bool,
}

/// The kind of a slot with a required name; commands claim their names before events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum RootKind {
    /// A command struct.
    Command,
    /// An event struct.
    Event,
}

/// The schema indexed for naming.
#[derive(Debug)]
pub(super) struct Graph<'a> {
    /// The schema entries, in schema order.
    pub entries: &'a [SchemaInfo],
    /// Entry index by schema name.
    pub index: BTreeMap<&'a str, usize>,
    /// The slot of each entry, if it has a Rust name of its own.
    pub slot_of: Vec<Option<usize>>,
    /// The named types.
    pub slots: Vec<Slot>,
}

impl<'a> Graph<'a> {
    /// Indexes `entries`, decides which entries share a slot and collects every use site.
    /// `qemu_named` holds the types QEMU names (schema name → QEMU name): an argument object
    /// among them is a type of its own, not its command's or event's struct.
    pub fn build(
        entries: &'a [SchemaInfo],
        qemu_named: &BTreeMap<&str, &str>,
    ) -> Result<Graph<'a>, NamingError> {
        validate(entries)?;
        let index = entries
            .iter()
            .enumerate()
            .map(|(i, entry)| (entry.name.as_str(), i))
            .collect();
        let mut graph = Graph {
            entries,
            index,
            slot_of: vec![None; entries.len()],
            slots: Vec::new(),
        };
        graph.make_slots(qemu_named);
        for slot in 0..graph.slots.len() {
            let uses = graph.uses_of(slot);
            for use_ in &uses {
                if use_.target != slot {
                    graph.slots[use_.target].referenced = true;
                }
            }
            graph.slots[slot].uses = uses;
        }
        Ok(graph)
    }

    /// The schema name of a slot's representative entry.
    pub fn slot_name(&self, slot: usize) -> &'a str {
        let entries: &'a [SchemaInfo] = self.entries;
        self.slots[slot]
            .entries
            .first()
            .map_or("", |&i| entries[i].name.as_str())
    }

    /// Creates a slot per command, event and non-empty object, enum or alternate; an object
    /// that is the argument type of exactly one command or event, and that QEMU does not
    /// name (`qemu_named`), joins that one's slot.
    fn make_slots(&mut self, qemu_named: &BTreeMap<&str, &str>) {
        let mut arg_users: BTreeMap<usize, usize> = BTreeMap::new();
        for entry in self.entries {
            if let SchemaInfoKind::Command { arg_type, .. } | SchemaInfoKind::Event { arg_type } =
                &entry.kind
            {
                if let Some(&arg) = self.index.get(arg_type.as_str()) {
                    *arg_users.entry(arg).or_default() += 1;
                }
            }
        }
        for (i, entry) in self.entries.iter().enumerate() {
            let (root, arg_type) = match &entry.kind {
                SchemaInfoKind::Command { arg_type, .. } => (RootKind::Command, arg_type),
                SchemaInfoKind::Event { arg_type } => (RootKind::Event, arg_type),
                _ => continue,
            };
            let mut slot_entries = vec![i];
            if let Some(&arg) = self.index.get(arg_type.as_str()) {
                let owned = arg_users.get(&arg) == Some(&1)
                    && !qemu_named.contains_key(arg_type.as_str())
                    && self.is_non_empty_object(arg)
                    && self.slot_of[arg].is_none();
                if owned {
                    slot_entries.push(arg);
                }
            }
            self.push_slot(slot_entries, Some(root));
        }
        for (i, entry) in self.entries.iter().enumerate() {
            let named = match &entry.kind {
                SchemaInfoKind::Object { .. } => self.is_non_empty_object(i),
                SchemaInfoKind::Enum { .. } | SchemaInfoKind::Alternate { .. } => true,
                _ => false,
            };
            if named && self.slot_of[i].is_none() {
                self.push_slot(vec![i], None);
            }
        }
    }

    /// Adds a slot naming `entries`.
    fn push_slot(&mut self, entries: Vec<usize>, root: Option<RootKind>) {
        let slot = self.slots.len();
        for &i in &entries {
            self.slot_of[i] = Some(slot);
        }
        self.slots.push(Slot {
            entries,
            root,
            uses: Vec::new(),
            referenced: false,
        });
    }

    /// Whether entry `i` is an object with members or variants.
    fn is_non_empty_object(&self, i: usize) -> bool {
        matches!(
            &self.entries[i].kind,
            SchemaInfoKind::Object { members, variants, .. }
                if !members.is_empty() || !variants.is_empty()
        )
    }

    /// Resolves the type reference `name` through any number of arrays; returns the target
    /// and how many arrays were looked through. [`Graph::build`] validated the entries, so
    /// every reference resolves (to an entry or an implicit builtin) and every array chain
    /// ends; were that broken, the reference would count as an empty object.
    pub fn resolve(&self, name: &str) -> (Target, usize) {
        let mut current = name;
        for depth in 0..=self.entries.len() {
            let Some(&i) = self.index.get(current) else {
                return (
                    implicit_builtin(current).map_or(Target::Empty, Target::Builtin),
                    depth,
                );
            };
            let target = match &self.entries[i].kind {
                SchemaInfoKind::Array { element_type } => {
                    current = element_type;
                    continue;
                }
                SchemaInfoKind::Builtin { json_type } => Target::Builtin(*json_type),
                _ => match self.slot_of[i] {
                    Some(slot) => Target::Slot(slot),
                    None => Target::Empty,
                },
            };
            return (target, depth);
        }
        (Target::Empty, 0)
    }

    /// The use sites of every entry of `slot`.
    fn uses_of(&self, slot: usize) -> Vec<Use> {
        let mut uses = Vec::new();
        for &i in &self.slots[slot].entries {
            let entry = &self.entries[i];
            match &entry.kind {
                SchemaInfoKind::Command {
                    arg_type, ret_type, ..
                } => {
                    let (target, depth) = self.resolve(ret_type);
                    let suffix = if depth == 0 { "Return" } else { "" };
                    self.push_use(&mut uses, target, depth, suffix, UseKind::Return, "return");
                    let (target, depth) = self.resolve(arg_type);
                    if target != Target::Slot(slot) {
                        self.push_use(
                            &mut uses,
                            target,
                            depth,
                            "Arguments",
                            UseKind::Arguments,
                            "",
                        );
                    }
                }
                SchemaInfoKind::Event { arg_type } => {
                    let (target, depth) = self.resolve(arg_type);
                    if target != Target::Slot(slot) {
                        self.push_use(&mut uses, target, depth, "Data", UseKind::Arguments, "");
                    }
                }
                SchemaInfoKind::Object {
                    members, variants, ..
                } => {
                    for member in members {
                        let (target, depth) = self.resolve(&member.type_);
                        let suffix = upper_camel(&member.name);
                        self.push_use(
                            &mut uses,
                            target,
                            depth,
                            &suffix,
                            UseKind::Member,
                            &member.name,
                        );
                    }
                    for variant in variants {
                        let (target, depth) = self.resolve(&variant.type_);
                        let suffix = upper_camel(&variant.case);
                        self.push_use(
                            &mut uses,
                            target,
                            depth,
                            &suffix,
                            UseKind::Variant,
                            &variant.case,
                        );
                    }
                }
                SchemaInfoKind::Alternate { members } => {
                    for member in members {
                        let (target, depth) = self.resolve(&member.type_);
                        let kind = self.alternative_kind(&member.type_);
                        self.push_use(&mut uses, target, depth, kind, UseKind::Alternative, kind);
                    }
                }
                SchemaInfoKind::Builtin { .. }
                | SchemaInfoKind::Enum { .. }
                | SchemaInfoKind::Array { .. } => {}
            }
        }
        uses
    }

    /// Records a use of `target` (a slot reached through `depth` arrays) as `suffix` +
    /// `Item` per array level.
    fn push_use(
        &self,
        uses: &mut Vec<Use>,
        target: Target,
        depth: usize,
        suffix: &str,
        kind: UseKind,
        label: &str,
    ) {
        if let Target::Slot(target) = target {
            uses.push(Use {
                target,
                suffix: format!("{suffix}{}", "Item".repeat(depth)),
                kind,
                label: label.to_owned(),
            });
        }
    }

    /// The name piece for an alternative of an alternate: its JSON kind. QAPI forbids two
    /// alternatives of the same kind, so the piece is unique within the alternate.
    fn alternative_kind(&self, type_name: &str) -> &'static str {
        match self.index.get(type_name).map(|&i| &self.entries[i].kind) {
            Some(SchemaInfoKind::Object { .. }) => "Object",
            Some(SchemaInfoKind::Enum { .. }) => "Enum",
            Some(SchemaInfoKind::Array { .. }) => "Array",
            Some(SchemaInfoKind::Alternate { .. }) => "Alternate",
            _ => "Value",
        }
    }

    /// The name an unreferenced slot gets: `Unreferenced` + the first three member names,
    /// enum values or alternative kinds; with the full content as tie-breaking label.
    pub fn unreferenced_name(&self, slot: usize) -> (String, String) {
        let words: Vec<String> = match self.slots[slot]
            .entries
            .first()
            .map(|&i| &self.entries[i].kind)
        {
            Some(SchemaInfoKind::Object { members, .. }) => {
                members.iter().map(|m| m.name.clone()).collect()
            }
            Some(SchemaInfoKind::Enum { members, values }) => {
                qmp_types::introspection::EnumMember::of(members, values)
                    .into_iter()
                    .map(|m| m.name)
                    .collect()
            }
            Some(SchemaInfoKind::Alternate { members }) => members
                .iter()
                .map(|m| self.alternative_kind(&m.type_).to_owned())
                .collect(),
            _ => Vec::new(),
        };
        let name: String = words.iter().take(3).map(|w| upper_camel(w)).collect();
        (format!("Unreferenced{name}"), words.join(","))
    }
}
