//! QEMU's reference manual as data: every definition it documents (commands, events, enums,
//! objects and unions, alternates) with QEMU's own names, member types, optionality, branches
//! and doc text already converted to Markdown. The parser ([`super::parse`]) fills it; naming
//! matches it against the schema, and the emitter turns its text into rustdoc.

use std::collections::BTreeMap;

/// Which QEMU program a manual documents, from its `.TH` title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Program {
    /// `qemu-qmp-ref(7)`: the system emulators' QMP.
    SystemEmulator,
    /// `qemu-storage-daemon-qmp-ref(7)`: the storage daemon's QMP.
    StorageDaemon,
    /// `qemu-ga-ref(7)`: the guest agent's protocol.
    GuestAgent,
}

/// What kind of definition a manual entry is (QEMU documents unions as objects).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DefinitionKind {
    /// A command (`Command` / `(Command)`).
    Command,
    /// An event.
    Event,
    /// An enumeration.
    Enum,
    /// A struct or a union.
    Object,
    /// An alternate.
    Alternate,
}

/// A type as the manual writes it: a name (QAPI builtin such as `string`, `int`, `boolean`,
/// `number`, `any`, `null`, or a defined type such as `BlockInfo`) or a list of a type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TypeExpr {
    /// A type by name.
    Named(String),
    /// `[T]`.
    Array(Box<TypeExpr>),
}

/// One member (object or command argument or event data), enum value or alternate branch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Member {
    /// The wire name (`node-name`, `tray_open`, or for an alternate the branch label).
    pub name: String,
    /// Its type; `None` for enum values, and where the manual does not state one.
    pub ty: Option<TypeExpr>,
    /// Whether the manual marks it optional.
    pub optional: bool,
    /// Its description, as Markdown (may be empty).
    pub doc: String,
}

/// One variant of a union: "When `tag` is `value`: The members of `Type`".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branch {
    /// The tag member's name (`driver`).
    pub tag: String,
    /// The tag value (`qcow2`).
    pub value: String,
    /// The type whose members the variant adds (`BlockdevOptionsQcow2`).
    pub type_name: String,
}

/// What a command returns, as documented.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Returns {
    /// The return type, where the manual states it as a type (10.0 layout); 7.2 states it
    /// only in prose, which stays in `doc`.
    pub ty: Option<TypeExpr>,
    /// The description, as Markdown.
    pub doc: String,
}

/// One definition of the manual.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// QEMU's name (`BlockInfo`, `query-block`, `BLOCK_JOB_COMPLETED`).
    pub name: String,
    /// What it is.
    pub kind: DefinitionKind,
    /// 1-based line of the manual (uncompressed) where it starts, for messages.
    pub line: usize,
    /// The `Since:` version, if stated.
    pub since: Option<String>,
    /// The description: the text before the member list plus notes, errors and examples,
    /// as Markdown (examples as fenced `text` blocks).
    pub doc: String,
    /// Members (objects, unions' common members, events' data, commands' arguments), enum
    /// values, or alternate branches, in the manual's order.
    pub members: Vec<Member>,
    /// Types whose members this definition includes unconditionally ("The members of X"): a
    /// struct's or union's base, or a command's or event's named argument type.
    pub bases: Vec<String>,
    /// A union's variants.
    pub branches: Vec<Branch>,
    /// A command's return, if documented.
    pub returns: Option<Returns>,
    /// Documented features (`deprecated`, `unstable`, …) with their explanation.
    pub features: Vec<Member>,
}

/// The sentence by which QEMU's manuals (7.2 and 10.0, in the description or in the notes)
/// say that a command takes more arguments than its schema lists (`device_add`) or than its
/// argument type's common members (`netdev_add`, whose union variants carry them).
const ADDITIONAL_ARGUMENTS: &str = "Additional arguments depend on the type";

impl Definition {
    /// Whether the manual says this command takes further arguments than it lists
    /// ("Additional arguments depend on the type."). Line breaks in the text are ignored.
    pub fn documents_additional_arguments(&self) -> bool {
        self.kind == DefinitionKind::Command
            && self
                .doc
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .contains(ADDITIONAL_ARGUMENTS)
    }
}

/// A problem found while reading a manual that did not stop it from being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// 1-based line of the manual.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// A whole reference manual.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manual {
    /// Where it was read from (a path or a name), for messages.
    pub source: String,
    /// The program it documents.
    pub program: Program,
    /// The QEMU version on its `.TH` line (`10.0.2`), if present.
    pub version: Option<String>,
    /// Every definition, by QEMU name.
    pub definitions: BTreeMap<String, Definition>,
    /// What could not be read cleanly, in line order.
    pub warnings: Vec<Warning>,
}

/// How deep [`Manual::members_of`] follows bases: QAPI bases do not nest this deep, and a
/// damaged manual may name a base cycle.
const MAX_BASE_DEPTH: usize = 16;

impl Manual {
    /// Every member of `definition`: those of its bases ("The members of X", recursively,
    /// first base first), then its own. Bases the manual does not define are skipped.
    pub fn members_of<'m>(&'m self, definition: &'m Definition) -> Vec<&'m Member> {
        let mut members = Vec::new();
        self.collect_members(definition, 0, &mut members);
        members
    }

    /// The member called `name` of `definition` or of one of its bases (its own members
    /// first), found without collecting every member.
    pub fn member_of<'m>(&'m self, definition: &'m Definition, name: &str) -> Option<&'m Member> {
        self.find_member(definition, name, 0)
    }

    fn find_member<'m>(
        &'m self,
        definition: &'m Definition,
        name: &str,
        depth: usize,
    ) -> Option<&'m Member> {
        if let Some(member) = definition.members.iter().find(|m| m.name == name) {
            return Some(member);
        }
        if depth >= MAX_BASE_DEPTH {
            return None;
        }
        definition
            .bases
            .iter()
            .filter_map(|base| self.definitions.get(base))
            .find_map(|base| self.find_member(base, name, depth + 1))
    }

    fn collect_members<'m>(
        &'m self,
        definition: &'m Definition,
        depth: usize,
        out: &mut Vec<&'m Member>,
    ) {
        if depth <= MAX_BASE_DEPTH {
            for base in &definition.bases {
                if let Some(base) = self.definitions.get(base) {
                    self.collect_members(base, depth + 1, out);
                }
            }
        }
        out.extend(&definition.members);
    }
}
