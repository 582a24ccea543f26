//! Several schemas (QEMU releases, or targets of one release) → one schema whose bindings
//! cover all of them.
//!
//! Each schema is named on its own first (with its reference manual, so QEMU's names such
//! as `BlockInfo` are found as for bindings of that schema alone); then its entries are
//! re-keyed by their final names and merged:
//!
//! - **Keys.** A named type's key is its Rust name in its own schema (QEMU's name where the
//!   manual gives it, else the use-site name of [`crate::naming`], which is built from
//!   schema paths); commands and events are keyed by wire name, builtins by their name,
//!   arrays by `[element key]`, every empty object by `{}`. Masked names never meet across
//!   schemas. Types with the same key are the same type, so the merged names equal the
//!   per-schema names wherever those agree.
//! - **Collisions.** Two types with one key but different kinds (an object in one release,
//!   an enum in another) are not the same type: the first schema (in the order given) keeps
//!   the name, every later one gets the name followed by `V` and its release label with `_`
//!   for dots (`FooV10_0_2`); each such resolution is listed in [`Merged::collisions`].
//! - **Members** are the union over the schemas; a member is required only where every
//!   schema having the type has it and requires it. Enum values, union variants and
//!   alternatives are the union as well. Where QEMU changed a type's features, the last
//!   schema having it wins.
//! - **Differing types** of one member (or return type, variant, alternative, element) are
//!   unified so that what every release sends decodes: see [`unify`] and
//!   [`Merged::type_changes`].
//! - **Availability**: which schemas have each command, event, type, member and enum value,
//!   and where a member is required ([`Availability`]); the emitter turns it into docs and
//!   `Command::AVAILABLE_IN` / `Event::AVAILABLE_IN`.
//! - **Requests.** A command's argument struct can only be one struct for all releases:
//!   an argument required in some release but optional or absent in another is optional,
//!   and its docs say where it is required (`Required in: 7.2.22`); a caller talking to such
//!   a release must set it. An argument only some releases have says so
//!   (`Available in: 10.0.2`); sending it to the others fails there.
//! - Schemas of different programs (a system emulator and the storage daemon or the guest
//!   agent) are refused ([`crate::Error::MixedPrograms`]): their commands share names but
//!   not servers, and bindings over both would describe no server.

mod availability;
mod unify;
mod unions;

use std::collections::{BTreeMap, HashMap, HashSet};

use qmp_types::introspection::{
    AlternateMember, EnumMember, ObjectMember, SchemaInfo, SchemaInfoKind, Variant,
};

use crate::error::{Error, Result};
use crate::naming::reference::ReferenceMatch;
use crate::naming::TypeNames;
use crate::reference::companion;

pub use availability::{Availability, Releases};
use unify::Site;
pub use unify::TypeChange;

/// The key of every empty object: they all are `::qmp_types::Empty`.
const EMPTY_KEY: &str = "{}";

/// One schema to merge, named on its own.
#[derive(Debug)]
pub struct Input {
    /// What the docs and `AVAILABLE_IN` call it: its release (`10.0.2`), or its file name
    /// when several inputs share a release.
    pub label: String,
    /// Where it comes from (a file name), for messages.
    pub source: String,
    /// Its entries.
    pub entries: Vec<SchemaInfo>,
    /// Its names, assigned on its own (with its reference manual when there is one).
    pub names: TypeNames,
}

/// The merged schema, ready for the usual stages (model, naming, emit).
#[derive(Debug)]
pub struct Merged {
    /// The merged entries, named by key (see the [module docs](self)).
    pub entries: Vec<SchemaInfo>,
    /// QEMU's name of each key that had one in some schema: the merged naming takes it.
    pub qemu_names: ReferenceMatch,
    /// Key → Rust name of every other named type, so it keeps its per-schema name.
    pub renames: BTreeMap<String, String>,
    /// Which schemas have what.
    pub availability: Availability,
    /// Every member (return type, variant, …) whose type differs between schemas, with the
    /// type chosen.
    pub type_changes: Vec<TypeChange>,
    /// Types renamed because another schema has a different type of the same name.
    pub collisions: Vec<String>,
    /// For each input: schema name → key of its entry in the merged schema.
    pub keys: Vec<HashMap<String, String>>,
    /// Keys of types a unification replaced and dropped → the key of the type replacing
    /// them.
    pub replaced: HashMap<String, String>,
}

/// Merges `inputs` (in the order given: the first keeps a colliding name).
///
/// # Errors
/// [`Error::NoSchemas`] for no input, [`Error::TooManySchemas`] for more than
/// [`Releases::MAX`], [`Error::MixedPrograms`] for schemas of different programs.
pub fn merge(inputs: &[Input]) -> Result<Merged> {
    let first = inputs.first().ok_or(Error::NoSchemas)?;
    if inputs.len() > Releases::MAX {
        return Err(Error::TooManySchemas(inputs.len()));
    }
    let program = companion::schema_program(&first.entries);
    for other in &inputs[1..] {
        let other_program = companion::schema_program(&other.entries);
        if other_program != program {
            return Err(Error::MixedPrograms {
                first: first.source.clone(),
                first_program: companion::program_name(program).to_owned(),
                other: other.source.clone(),
                other_program: companion::program_name(other_program).to_owned(),
            });
        }
    }
    let (keys, collisions) = keys(inputs);
    let mut merger = Merger::new(inputs, keys);
    for (i, input) in inputs.iter().enumerate() {
        for entry in &input.entries {
            merger.add(i, entry);
        }
    }
    let mut merged = merger.finish();
    merged.collisions = collisions;
    Ok(merged)
}

/// The key of every entry of every input (by input, schema name → key), and the collisions
/// resolved on the way.
fn keys(inputs: &[Input]) -> (Vec<HashMap<String, String>>, Vec<String>) {
    // Key → (meta-type, first input having it) of the named types seen so far.
    let mut owners: HashMap<String, (&'static str, usize)> = HashMap::new();
    let mut collisions = Vec::new();
    let mut all = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let mut keys: HashMap<String, String> = HashMap::with_capacity(input.entries.len());
        for entry in &input.entries {
            let key = match &entry.kind {
                SchemaInfoKind::Command { .. }
                | SchemaInfoKind::Event { .. }
                | SchemaInfoKind::Builtin { .. } => entry.name.clone(),
                // Arrays are keyed below, once their elements are.
                SchemaInfoKind::Array { .. } => continue,
                kind => match input.names.type_name(&entry.name) {
                    None => EMPTY_KEY.to_owned(),
                    Some(name) => {
                        let meta = kind.meta_type();
                        match owners.get(name) {
                            Some(&(owner_meta, _)) if owner_meta == meta => name.to_owned(),
                            Some(&(owner_meta, owner)) => {
                                let renamed = format!("{name}{}", label_suffix(&input.label));
                                collisions.push(format!(
                                    "`{name}` is an {owner_meta} in {} and an {meta} in {}: \
                                     the {meta} is named `{renamed}`",
                                    inputs[owner].label, input.label
                                ));
                                owners.insert(renamed.clone(), (meta, i));
                                renamed
                            }
                            None => {
                                owners.insert(name.to_owned(), (meta, i));
                                name.to_owned()
                            }
                        }
                    }
                },
            };
            keys.insert(entry.name.clone(), key);
        }
        for entry in &input.entries {
            if matches!(entry.kind, SchemaInfoKind::Array { .. }) {
                let key = array_key(&keys, &entry.name);
                keys.insert(entry.name.clone(), key);
            }
        }
        all.push(keys);
    }
    (all, collisions)
}

/// The key of array `name`: `[element key]`, through nested arrays (an array's name
/// spells its element's: `[17]`, `[[int]]`).
fn array_key(keys: &HashMap<String, String>, name: &str) -> String {
    let mut depth = 0;
    let mut inner = name;
    while let Some(element) = inner
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
    {
        depth += 1;
        inner = element;
    }
    let element = keys.get(inner).map_or(inner, String::as_str);
    format!("{}{element}{}", "[".repeat(depth), "]".repeat(depth))
}

/// The suffix that tells apart a type renamed for a collision: `V` and the label's
/// alphanumeric runs, each capitalised, with `_` only between two digits (`10.0.2` →
/// `V10_0_2`, `qemu-10.0.2-aarch64` → `VQemu10_0_2Aarch64`), which Rust's naming lints
/// accept.
fn label_suffix(label: &str) -> String {
    let mut suffix = String::from("V");
    for part in label
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
    {
        let digits_meet = suffix.ends_with(|c: char| c.is_ascii_digit())
            && part.starts_with(|c: char| c.is_ascii_digit());
        if digits_meet {
            suffix.push('_');
        }
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            suffix.push(first.to_ascii_uppercase());
            suffix.extend(chars);
        }
    }
    suffix
}

/// The merge in progress.
struct Merger<'a> {
    inputs: &'a [Input],
    keys: Vec<HashMap<String, String>>,
    /// Merged entries by key, and the order keys were first seen in.
    entries: HashMap<String, SchemaInfo>,
    order: Vec<String>,
    availability: Availability,
    /// Sites whose type differs between inputs, resolved by [`Merger::finish`].
    pending: Vec<unify::Pending>,
    /// Objects that are a union in some inputs and a plain struct in others.
    became_union: Vec<String>,
}

impl<'a> Merger<'a> {
    fn new(inputs: &'a [Input], keys: Vec<HashMap<String, String>>) -> Self {
        Merger {
            availability: Availability::new(inputs.iter().map(|i| i.label.clone()).collect()),
            inputs,
            keys,
            entries: HashMap::new(),
            order: Vec::new(),
            pending: Vec::new(),
            became_union: Vec::new(),
        }
    }

    /// The key of schema name `name` of input `i`.
    fn key(&self, i: usize, name: &str) -> String {
        self.keys[i]
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_owned())
    }

    /// Merges entry `entry` of input `i` into the entry of its key.
    fn add(&mut self, i: usize, entry: &SchemaInfo) {
        let key = self.key(i, &entry.name);
        self.availability.add_item(&key, i);
        let kind = self.rekeyed(i, &entry.kind);
        if let SchemaInfoKind::Object { members, .. } = &kind {
            for member in members {
                self.availability
                    .add_member(&key, &member.name, i, !member.is_optional());
            }
        }
        if let SchemaInfoKind::Enum { members, values } = &kind {
            for value in EnumMember::of(members, values) {
                self.availability.add_value(&key, &value.name, i);
            }
        }
        let Some(old) = self.entries.remove(&key) else {
            self.order.push(key.clone());
            self.entries.insert(
                key.clone(),
                SchemaInfo {
                    name: key,
                    features: entry.features.clone(),
                    kind,
                },
            );
            return;
        };
        let kind = self.combine(&key, old.kind, kind, i);
        self.entries.insert(
            key.clone(),
            SchemaInfo {
                name: key,
                // The later schema's features: QEMU deprecates, and stabilises, over time.
                features: entry.features.clone(),
                kind,
            },
        );
    }

    /// `kind` of input `i` with every type reference turned into a key.
    fn rekeyed(&self, i: usize, kind: &SchemaInfoKind) -> SchemaInfoKind {
        let key = |name: &str| self.key(i, name);
        match kind {
            SchemaInfoKind::Builtin { json_type } => SchemaInfoKind::Builtin {
                json_type: *json_type,
            },
            SchemaInfoKind::Enum { members, values } => SchemaInfoKind::Enum {
                members: Some(EnumMember::of(members, values)),
                values: None,
            },
            SchemaInfoKind::Array { element_type } => SchemaInfoKind::Array {
                element_type: key(element_type),
            },
            SchemaInfoKind::Object {
                members,
                tag,
                variants,
            } => SchemaInfoKind::Object {
                members: members
                    .iter()
                    .map(|m| ObjectMember {
                        type_: key(&m.type_),
                        ..m.clone()
                    })
                    .collect(),
                tag: tag.clone(),
                variants: variants
                    .iter()
                    .map(|v| Variant {
                        case: v.case.clone(),
                        type_: key(&v.type_),
                    })
                    .collect(),
            },
            SchemaInfoKind::Alternate { members } => SchemaInfoKind::Alternate {
                members: members
                    .iter()
                    .map(|m| AlternateMember {
                        type_: key(&m.type_),
                    })
                    .collect(),
            },
            SchemaInfoKind::Command {
                arg_type,
                ret_type,
                allow_oob,
            } => SchemaInfoKind::Command {
                arg_type: key(arg_type),
                ret_type: key(ret_type),
                allow_oob: *allow_oob,
            },
            SchemaInfoKind::Event { arg_type } => SchemaInfoKind::Event {
                arg_type: key(arg_type),
            },
        }
    }

    /// The merge of `old` (from the inputs before `i`) and `new` (from input `i`) of type
    /// `key`; both have the same kind (see [`keys`]).
    fn combine(
        &mut self,
        key: &str,
        old: SchemaInfoKind,
        new: SchemaInfoKind,
        i: usize,
    ) -> SchemaInfoKind {
        match (old, new) {
            (
                SchemaInfoKind::Enum {
                    members: Some(mut old),
                    ..
                },
                SchemaInfoKind::Enum {
                    members: Some(new), ..
                },
            ) => {
                for value in new {
                    match old.iter_mut().find(|v| v.name == value.name) {
                        Some(known) => known.features = value.features,
                        None => old.push(value),
                    }
                }
                SchemaInfoKind::Enum {
                    members: Some(old),
                    values: None,
                }
            }
            (
                SchemaInfoKind::Object {
                    members: mut old_members,
                    tag,
                    variants: mut old_variants,
                },
                SchemaInfoKind::Object {
                    members: new_members,
                    tag: new_tag,
                    variants: new_variants,
                },
            ) => {
                for member in new_members {
                    match old_members.iter_mut().find(|m| m.name == member.name) {
                        Some(known) => {
                            self.differ(
                                Site::Member(key.to_owned(), member.name.clone()),
                                &known.type_,
                                member.type_,
                                i,
                            );
                            known.features = member.features;
                        }
                        None => old_members.push(member),
                    }
                }
                // Required only where every schema having the type requires it.
                for member in &mut old_members {
                    if !self.availability.always_required(key, &member.name) {
                        member.default = Some(serde_json::Value::Null);
                    }
                }
                for variant in new_variants {
                    match old_variants.iter_mut().find(|v| v.case == variant.case) {
                        Some(known) => self.differ(
                            Site::Variant(key.to_owned(), variant.case.clone()),
                            &known.type_,
                            variant.type_,
                            i,
                        ),
                        None => old_variants.push(variant),
                    }
                }
                if tag.is_some() != new_tag.is_some() && !self.became_union.iter().any(|k| k == key)
                {
                    self.became_union.push(key.to_owned());
                }
                SchemaInfoKind::Object {
                    members: old_members,
                    // A struct that became a union (`BlockJobInfo` in 8.x) is the union.
                    tag: tag.or(new_tag),
                    variants: old_variants,
                }
            }
            (
                SchemaInfoKind::Alternate { members: mut old },
                SchemaInfoKind::Alternate { members: new },
            ) => {
                for member in new {
                    if !old.iter().any(|m| m.type_ == member.type_) {
                        old.push(member);
                    }
                }
                SchemaInfoKind::Alternate { members: old }
            }
            (
                SchemaInfoKind::Command {
                    arg_type: old_arg,
                    ret_type: old_ret,
                    allow_oob: old_oob,
                },
                SchemaInfoKind::Command {
                    arg_type,
                    ret_type,
                    allow_oob,
                },
            ) => {
                self.differ(Site::Arguments(key.to_owned()), &old_arg, arg_type, i);
                self.differ(Site::Returns(key.to_owned()), &old_ret, ret_type, i);
                SchemaInfoKind::Command {
                    arg_type: old_arg,
                    ret_type: old_ret,
                    // Out of band only where every release allows it.
                    allow_oob: old_oob && allow_oob,
                }
            }
            (SchemaInfoKind::Event { arg_type: old_arg }, SchemaInfoKind::Event { arg_type }) => {
                self.differ(Site::Arguments(key.to_owned()), &old_arg, arg_type, i);
                SchemaInfoKind::Event { arg_type: old_arg }
            }
            (old, _) => old,
        }
    }

    /// Drops the types a unification replaced (`QCryptoCipherAlgorithm` by
    /// `QCryptoCipherAlgo`) once nothing uses them any more, and what only they used: the
    /// merged module has one type per role, not one per release.
    /// Returns what replaced each dropped type.
    fn drop_replaced(&mut self, changes: &[TypeChange]) -> HashMap<String, String> {
        let replacements: HashMap<String, String> = changes
            .iter()
            .flat_map(|c| c.types.iter().map(move |(key, _)| (key, &c.chosen)))
            .filter(|(key, _)| changes.iter().all(|c| &c.chosen != *key))
            .map(|(key, chosen)| (key.clone(), chosen.clone()))
            .collect();
        let mut replaced = HashMap::new();
        let mut candidates: Vec<String> = replacements.keys().cloned().collect();
        candidates.sort();
        while !candidates.is_empty() {
            let mut used: HashSet<&str> = HashSet::new();
            for entry in self.entries.values() {
                for (_, target) in qmp_types::introspection::references(&entry.kind) {
                    if target != entry.name {
                        used.insert(target);
                    }
                }
            }
            let unused: Vec<String> = candidates
                .drain(..)
                .filter(|key| {
                    !used.contains(key.as_str())
                        && matches!(
                            self.entries.get(key).map(|e| &e.kind),
                            Some(
                                SchemaInfoKind::Object { .. }
                                    | SchemaInfoKind::Enum { .. }
                                    | SchemaInfoKind::Alternate { .. }
                                    | SchemaInfoKind::Array { .. }
                            )
                        )
                })
                .collect();
            for key in unused {
                if let Some(entry) = self.entries.remove(&key) {
                    self.order.retain(|k| *k != key);
                    if let Some(by) = replacements.get(&key) {
                        replaced.insert(key.clone(), by.clone());
                    }
                    candidates.extend(
                        qmp_types::introspection::references(&entry.kind)
                            .into_iter()
                            .map(|(_, target)| target.to_owned()),
                    );
                }
            }
        }
        replaced
    }

    /// The merged schema.
    fn finish(mut self) -> Merged {
        let mut type_changes = self.resolve_pending();
        type_changes.extend(self.loosen_new_unions());
        let replaced = self.drop_replaced(&type_changes);
        // Types unify made up (alternates of two types, arrays of them) go last.
        let mut entries: Vec<SchemaInfo> = Vec::with_capacity(self.order.len());
        for key in &self.order {
            if let Some(entry) = self.entries.remove(key) {
                entries.push(entry);
            }
        }
        let mut made: Vec<SchemaInfo> = self.entries.into_values().collect();
        made.sort_by(|a, b| a.name.cmp(&b.name));
        entries.extend(made);
        let kept: HashSet<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        let mut qemu_names = BTreeMap::new();
        let mut renames = BTreeMap::new();
        for (i, input) in self.inputs.iter().enumerate() {
            // The Rust names of commands and events: an argument object with one of them
            // is that command's struct, and is again in the merged schema.
            let roots: HashSet<&str> = input
                .entries
                .iter()
                .filter(|e| {
                    matches!(
                        e.kind,
                        SchemaInfoKind::Command { .. } | SchemaInfoKind::Event { .. }
                    )
                })
                .filter_map(|e| input.names.type_name(&e.name))
                .collect();
            for entry in &input.entries {
                if matches!(
                    entry.kind,
                    SchemaInfoKind::Command { .. } | SchemaInfoKind::Event { .. }
                ) {
                    continue;
                }
                let Some(name) = input.names.type_name(&entry.name) else {
                    continue;
                };
                if roots.contains(name) {
                    continue;
                }
                if !kept.contains(self.keys[i][&entry.name].as_str()) {
                    continue;
                }
                let key = &self.keys[i][&entry.name];
                match input.names.qemu_name(&entry.name) {
                    Some(qemu) if key == name => {
                        qemu_names.insert(key.clone(), qemu.to_owned());
                    }
                    _ => {
                        renames.insert(key.clone(), key.clone());
                    }
                }
            }
        }
        renames.retain(|key, _| !qemu_names.contains_key(key));
        Merged {
            entries,
            qemu_names: ReferenceMatch {
                names: qemu_names,
                notes: Vec::new(),
            },
            renames,
            availability: self.availability,
            type_changes,
            collisions: Vec::new(),
            keys: self.keys,
            replaced,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::parse::parse;

    /// A schema of `query-x` returning `ret` (with the types `extra` defines) and the event
    /// `TICK`, named on its own, labelled `label`.
    fn input(label: &str, ret: &str, extra: &str) -> Input {
        let json = format!(
            r#"[
                {{"name":"query-x","meta-type":"command","arg-type":"0","ret-type":"{ret}"}},
                {{"name":"TICK","meta-type":"event","arg-type":"0"}},
                {{"name":"0","meta-type":"object","members":[]}},
                {{"name":"str","meta-type":"builtin","json-type":"string"}},
                {{"name":"int","meta-type":"builtin","json-type":"int"}}
                {extra}
            ]"#
        );
        let entries = parse(&json).unwrap();
        let names = TypeNames::assign(&entries, &BTreeMap::new()).unwrap();
        Input {
            label: label.to_owned(),
            source: format!("{label}.json"),
            entries,
            names,
        }
    }

    fn object<'a>(merged: &'a Merged, key: &str) -> &'a [ObjectMember] {
        match merged
            .entries
            .iter()
            .find(|e| e.name == key)
            .map(|e| &e.kind)
        {
            Some(SchemaInfoKind::Object { members, .. }) => members,
            other => panic!("{key}: {other:?}"),
        }
    }

    #[test]
    fn members_are_required_only_where_every_release_requires_them() {
        let old = input(
            "1.0",
            "5",
            r#",{"name":"5","meta-type":"object","members":[
                {"name":"a","type":"str"},{"name":"b","type":"str"},{"name":"c","type":"int"}]}"#,
        );
        let new = input(
            "2.0",
            "9",
            r#",{"name":"9","meta-type":"object","members":[
                {"name":"a","type":"str"},{"name":"b","type":"str","default":null},
                {"name":"d","type":"int"}]}"#,
        );
        let merged = merge(&[old, new]).unwrap();
        let members = object(&merged, "QueryXReturn");
        let optional: Vec<(&str, bool)> = members
            .iter()
            .map(|m| (m.name.as_str(), m.is_optional()))
            .collect();
        assert_eq!(
            optional,
            [("a", false), ("b", true), ("c", true), ("d", true)]
        );
        let availability = &merged.availability;
        assert_eq!(availability.member_note("QueryXReturn", "a"), None);
        let (present, required) = availability.member_note("QueryXReturn", "b").unwrap();
        assert_eq!(availability.labels(present), ["1.0", "2.0"]);
        assert_eq!(availability.labels(required), ["1.0"]);
        let (present, _) = availability.member_note("QueryXReturn", "d").unwrap();
        assert_eq!(availability.labels(present), ["2.0"]);
        assert_eq!(availability.item_labels("query-x"), ["1.0", "2.0"]);
        assert!(merged.type_changes.is_empty());
    }

    #[test]
    fn a_name_of_two_kinds_is_split_by_release() {
        let old = input(
            "1.0",
            "5",
            r#",{"name":"5","meta-type":"object","members":[{"name":"a","type":"str"}]}"#,
        );
        let new = input(
            "2.0.1",
            "7",
            r#",{"name":"7","meta-type":"enum","values":["on","off"]}"#,
        );
        let merged = merge(&[old, new]).unwrap();
        assert_eq!(
            merged.collisions,
            [
                "`QueryXReturn` is an object in 1.0 and an enum in 2.0.1: the enum is named \
              `QueryXReturnV2_0_1`"
            ]
        );
        assert_eq!(
            merged.renames.get("QueryXReturnV2_0_1").map(String::as_str),
            Some("QueryXReturnV2_0_1")
        );
        // The return types differ in JSON kind: an alternate of both decodes either.
        let change = &merged.type_changes[0];
        assert_eq!(change.site, "query-x (returns)");
        assert_eq!(change.chosen, "QueryXReturn|QueryXReturnV2_0_1");
        assert!(
            merged
                .entries
                .iter()
                .any(|e| e.name == change.chosen
                    && matches!(e.kind, SchemaInfoKind::Alternate { .. }))
        );
    }

    #[test]
    fn str_and_enum_unify_to_the_open_enum_and_values_are_the_union() {
        let old = input(
            "1.0",
            "str",
            r#",{"name":"7","meta-type":"enum","values":["on"]}"#,
        );
        let new = input(
            "2.0",
            "7",
            r#",{"name":"7","meta-type":"enum","values":["on","off"]}"#,
        );
        let merged = merge(&[old, new]).unwrap();
        let change = &merged.type_changes[0];
        assert_eq!(change.chosen, "QueryXReturn");
        assert_eq!(
            change.types,
            [
                ("str".to_owned(), vec!["1.0".to_owned()]),
                ("QueryXReturn".to_owned(), vec!["2.0".to_owned()])
            ]
        );
        // Only 2.0 has the enum: its values need no note.
        assert_eq!(merged.availability.value_note("QueryXReturn", "off"), None);

        let old = input(
            "1.0",
            "7",
            r#",{"name":"7","meta-type":"enum","values":["on"]}"#,
        );
        let new = input(
            "2.0",
            "7",
            r#",{"name":"7","meta-type":"enum","values":["off","on"]}"#,
        );
        let merged = merge(&[old, new]).unwrap();
        let values = match merged.entries.iter().find(|e| e.name == "QueryXReturn") {
            Some(SchemaInfo {
                kind: SchemaInfoKind::Enum { members, values },
                ..
            }) => EnumMember::of(members, values),
            other => panic!("{other:?}"),
        };
        let names: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["on", "off"]);
        let off = merged.availability.value_note("QueryXReturn", "off");
        assert_eq!(
            off.map(|r| merged.availability.labels(r)),
            Some(vec!["2.0"])
        );
        assert_eq!(merged.availability.value_note("QueryXReturn", "on"), None);
    }

    #[test]
    fn a_struct_without_the_tag_of_its_later_union_is_the_variant_holding_its_members() {
        let old = input(
            "1.0",
            "5",
            r#",{"name":"5","meta-type":"object","members":[
                {"name":"enabled","type":"int"},{"name":"policy","type":"int"},
                {"name":"handle","type":"int"}]}"#,
        );
        let new = input(
            "2.0",
            "9",
            r#",{"name":"9","meta-type":"object","members":[
                {"name":"enabled","type":"int"},{"name":"sev-type","type":"8"}],
                "tag":"sev-type","variants":[{"case":"sev","type":"10"},
                {"case":"sev-snp","type":"11"}]},
              {"name":"8","meta-type":"enum","values":["sev","sev-snp"]},
              {"name":"10","meta-type":"object","members":[
                {"name":"policy","type":"int"},{"name":"handle","type":"int"}]},
              {"name":"11","meta-type":"object","members":[{"name":"snp-policy","type":"int"}]}"#,
        );
        let merged = merge(&[old, new]).unwrap();
        // `policy` and `handle` are no common members: the `sev` variant receives them.
        let common: Vec<&str> = object(&merged, "QueryXReturn")
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(common, ["enabled", "sev-type"]);
        let (case, releases) = merged.availability.tag_absent("QueryXReturn").unwrap();
        assert_eq!(case, "sev");
        assert_eq!(merged.availability.labels(releases), ["1.0"]);
        let change = merged
            .type_changes
            .iter()
            .find(|c| c.site == "QueryXReturn.sev-type")
            .unwrap();
        assert_eq!(change.chosen, "absent = sev");

        // No variant holds the struct's own member `extra`: no variant is chosen.
        let old = input(
            "1.0",
            "5",
            r#",{"name":"5","meta-type":"object","members":[
                {"name":"enabled","type":"int"},{"name":"extra","type":"int"}]}"#,
        );
        let new = input(
            "2.0",
            "9",
            r#",{"name":"9","meta-type":"object","members":[
                {"name":"enabled","type":"int"},{"name":"sev-type","type":"8"}],
                "tag":"sev-type","variants":[{"case":"sev","type":"10"}]},
              {"name":"8","meta-type":"enum","values":["sev"]},
              {"name":"10","meta-type":"object","members":[{"name":"policy","type":"int"}]}"#,
        );
        let merged = merge(&[old, new]).unwrap();
        assert_eq!(merged.availability.tag_absent("QueryXReturn"), None);
        assert!(object(&merged, "QueryXReturn")
            .iter()
            .any(|m| m.name == "extra"));
    }

    #[test]
    fn labels_become_camel_case_suffixes() {
        assert_eq!(label_suffix("10.0.2"), "V10_0_2");
        assert_eq!(label_suffix("qemu-10.0.2-aarch64"), "VQemu10_0_2Aarch64");
    }
}
