//! QEMU's own names for masked types, found by walking the schema and QEMU's reference manual
//! in parallel.
//!
//! Commands and events keep their names in `query-qmp-schema`, so they anchor the walk: a
//! command's documented arguments, return type and members name the schema types they point
//! at, and every type named that way names the types its own members, variants and
//! alternatives point at. A name is accepted only where the structure agrees (kind, member
//! names and optionality, member types as far as they are known, enum values, union tags and
//! cases); a disagreement is recorded and the type keeps its use-site name.
//!
//! Where the manual gives no type (QEMU 7.2 states a command's return type only in prose;
//! 10.0 omits some return sections), the remaining types are matched by structure: a type
//! takes the one unused definition of its kind whose members, member types and optionality
//! equal its own. Prose (code spans in the return's text) only breaks ties between equally
//! good candidates, because it is sometimes wrong. Names found that way propagate to the
//! types their members name, and the two passes repeat until nothing changes.
//!
//! The manual documents every target while a schema holds only its binary's own members, so
//! a documented member the schema lacks is accepted while walking, and counts only as a
//! weaker match when matching by structure.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use qmp_types::introspection::{
    implicit_builtin, EnumMember, JsonType, SchemaInfo, SchemaInfoKind,
};

use crate::reference::{Definition, DefinitionKind, Manual, Member, TypeExpr};

#[cfg(test)]
mod tests;

/// How many levels below a type matching by structure compares (members' and variants'
/// types).
const STRUCTURE_DEPTH: usize = 3;

/// The outcome of matching one schema against one manual.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReferenceMatch {
    /// Schema name of a masked type → QEMU's name of it.
    pub names: BTreeMap<String, String>,
    /// Readable lines for what could not be matched or disagreed, in the order found.
    pub notes: Vec<String>,
}

/// The kind of a schema entry, as far as the manual can tell kinds apart.
fn schema_kind(kind: &SchemaInfoKind) -> Option<DefinitionKind> {
    match kind {
        SchemaInfoKind::Object { .. } => Some(DefinitionKind::Object),
        SchemaInfoKind::Enum { .. } => Some(DefinitionKind::Enum),
        SchemaInfoKind::Alternate { .. } => Some(DefinitionKind::Alternate),
        SchemaInfoKind::Command { .. } => Some(DefinitionKind::Command),
        SchemaInfoKind::Event { .. } => Some(DefinitionKind::Event),
        SchemaInfoKind::Builtin { .. } | SchemaInfoKind::Array { .. } => None,
    }
}

/// The JSON type of a builtin as the manual spells it (`string`, `int`, `boolean`, …).
fn manual_builtin(name: &str) -> Option<JsonType> {
    Some(match name {
        "string" | "str" => JsonType::String,
        "int" | "int8" | "int16" | "int32" | "int64" | "uint8" | "uint16" | "uint32" | "uint64"
        | "size" => JsonType::Int,
        "number" => JsonType::Number,
        "boolean" | "bool" => JsonType::Boolean,
        "null" => JsonType::Null,
        "value" | "any" => JsonType::Value,
        _ => return None,
    })
}

/// The manual's definitions with their members expanded through bases.
struct ManualIndex<'m> {
    manual: &'m Manual,
    /// Every definition's members with its bases' members (bases first, as QAPI orders
    /// them), computed once.
    expanded: BTreeMap<&'m str, Vec<&'m Member>>,
}

impl<'m> ManualIndex<'m> {
    fn new(manual: &'m Manual) -> ManualIndex<'m> {
        let mut index = ManualIndex {
            manual,
            expanded: BTreeMap::new(),
        };
        for def in manual.definitions.values() {
            index
                .expanded
                .insert(def.name.as_str(), manual.members_of(def));
        }
        index
    }

    fn get(&self, name: &str) -> Option<&'m Definition> {
        self.manual.definitions.get(name)
    }

    /// Own members plus those of every base, recursively.
    fn members(&self, def: &Definition) -> &[&'m Member] {
        self.expanded
            .get(def.name.as_str())
            .map_or(&[], Vec::as_slice)
    }

    /// The JSON kind a manual type denotes (for pairing alternatives), if known.
    fn json_kind(&self, ty: &TypeExpr) -> Option<JsonKind> {
        match ty {
            TypeExpr::Array(_) => Some(JsonKind::Array),
            TypeExpr::Named(name) => match manual_builtin(name) {
                Some(json) => Some(JsonKind::of_builtin(json)),
                None => match self.get(name)?.kind {
                    DefinitionKind::Object => Some(JsonKind::Object),
                    DefinitionKind::Enum => Some(JsonKind::String),
                    _ => None,
                },
            },
        }
    }
}

/// What an alternative is on the wire; QAPI allows one alternative per kind (numbers and
/// integers count separately).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JsonKind {
    String,
    Int,
    Number,
    Boolean,
    Null,
    Object,
    Array,
    Value,
}

impl JsonKind {
    fn of_builtin(json: JsonType) -> JsonKind {
        match json {
            JsonType::String => JsonKind::String,
            JsonType::Int => JsonKind::Int,
            JsonType::Number => JsonKind::Number,
            JsonType::Boolean => JsonKind::Boolean,
            JsonType::Null => JsonKind::Null,
            JsonType::Object => JsonKind::Object,
            JsonType::Array => JsonKind::Array,
            JsonType::Value => JsonKind::Value,
        }
    }
}

/// The walk in progress.
struct Matcher<'s, 'm> {
    entries: &'s [SchemaInfo],
    index: BTreeMap<&'s str, usize>,
    manual: ManualIndex<'m>,
    /// Schema name → QEMU name.
    names: BTreeMap<String, String>,
    /// QEMU name → schema name, so one definition names one type.
    owners: BTreeMap<String, String>,
    /// Pairs still to look at: (schema type, manual type, where the pair was found).
    queue: VecDeque<(String, TypeExpr, String)>,
    /// (schema type, QEMU name) pairs already refused, so each is reported once.
    refused: BTreeSet<(String, String)>,
    /// Argument objects that belong to their command or event (implicit types).
    root_arguments: BTreeSet<&'s str>,
    notes: Vec<String>,
}

/// Matches `entries` (one whole `query-qmp-schema` result) against `manual`.
pub fn match_manual(entries: &[SchemaInfo], manual: &Manual) -> ReferenceMatch {
    let mut matcher = Matcher {
        entries,
        index: entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.as_str(), i))
            .collect(),
        manual: ManualIndex::new(manual),
        root_arguments: BTreeSet::new(),
        names: BTreeMap::new(),
        owners: BTreeMap::new(),
        queue: VecDeque::new(),
        refused: BTreeSet::new(),
        notes: Vec::new(),
    };
    matcher.seed_own_names();
    matcher.seed_roots();
    loop {
        matcher.drain();
        if !matcher.match_by_structure() {
            break;
        }
    }
    matcher.note_unnamed();
    ReferenceMatch {
        names: matcher.names,
        notes: matcher.notes,
    }
}

impl<'s, 'm> Matcher<'s, 'm> {
    fn entry(&self, name: &str) -> Option<&'s SchemaInfo> {
        let entries: &'s [SchemaInfo] = self.entries;
        self.index.get(name).map(|&i| &entries[i])
    }

    /// Looks through arrays: the element type's schema name and the number of arrays.
    fn element(&self, name: &'s str) -> (&'s str, usize) {
        let mut current = name;
        for depth in 0..=self.entries.len() {
            match self.entry(current).map(|e| &e.kind) {
                Some(SchemaInfoKind::Array { element_type }) => current = element_type,
                _ => return (current, depth),
            }
        }
        (current, 0)
    }

    /// Whether `name` is a masked type that can carry a QEMU name: a non-empty object, an
    /// enum or an alternate that is no command's or event's own argument object.
    fn nameable(&self, name: &str) -> bool {
        match self.entry(name).map(|e| &e.kind) {
            Some(SchemaInfoKind::Object {
                members, variants, ..
            }) => !members.is_empty() || !variants.is_empty(),
            Some(SchemaInfoKind::Enum { .. } | SchemaInfoKind::Alternate { .. }) => true,
            _ => false,
        }
    }

    /// A schema whose type names are not masked (one made from a manual, as the guest
    /// agent's) names its types itself: each takes the definition of its own name.
    fn seed_own_names(&mut self) {
        for entry in self.entries {
            if self.nameable(&entry.name) && self.manual.get(&entry.name).is_some() {
                self.accept(&entry.name, &entry.name, "own name");
            }
        }
        self.drain();
    }

    /// Commands and events with a definition of the same name start the walk.
    fn seed_roots(&mut self) {
        for entry in self.entries {
            let (arg_type, ret_type, kind) = match &entry.kind {
                SchemaInfoKind::Command {
                    arg_type, ret_type, ..
                } => (arg_type, Some(ret_type), DefinitionKind::Command),
                SchemaInfoKind::Event { arg_type } => (arg_type, None, DefinitionKind::Event),
                _ => continue,
            };
            let def = self.manual.get(&entry.name).filter(|def| def.kind == kind);
            let Some(def) = def else {
                self.root_arguments.insert(arg_type);
                continue;
            };
            self.seed_arguments(&entry.name, arg_type, def);
            if let (Some(ret_type), Some(ty)) =
                (ret_type, def.returns.as_ref().and_then(|r| r.ty.clone()))
            {
                self.push(ret_type, ty, format!("{} return", entry.name));
            }
        }
    }

    /// A command's or event's arguments: a named type when the manual says only "The
    /// members of X", else the root's own (implicit) argument object, whose members are
    /// walked but which keeps the root's name.
    fn seed_arguments(&mut self, root: &str, arg_type: &'s str, def: &'m Definition) {
        if def.members.is_empty() {
            if let [base] = def.bases.as_slice() {
                self.push(
                    arg_type,
                    TypeExpr::Named(base.clone()),
                    format!("{root} arguments"),
                );
                return;
            }
        }
        self.root_arguments.insert(arg_type);
        let members = self.manual.members(def).to_vec();
        self.pair_members(arg_type, &members, root);
    }

    fn push(&mut self, schema: &str, ty: TypeExpr, context: String) {
        self.queue.push_back((schema.to_owned(), ty, context));
    }

    /// Takes pairs off the queue until it is empty.
    fn drain(&mut self) {
        while let Some((schema, ty, context)) = self.queue.pop_front() {
            self.visit(&schema, &ty, &context);
        }
    }

    /// One pair: looks through arrays on both sides, then names the schema type.
    fn visit(&mut self, schema: &str, ty: &TypeExpr, context: &str) {
        let Some(&i) = self.index.get(schema) else {
            return;
        };
        let entries: &'s [SchemaInfo] = self.entries;
        let entry = &entries[i];
        match (&entry.kind, ty) {
            (SchemaInfoKind::Array { element_type }, TypeExpr::Array(inner)) => {
                self.push(element_type, (**inner).clone(), context.to_owned());
            }
            (_, TypeExpr::Named(name))
                if self.manual.get(name).is_some() && self.nameable(&entry.name) =>
            {
                self.accept(&entry.name, name, context);
            }
            _ => {}
        }
    }

    /// Gives `schema` the QEMU name `name` if the structures agree, and walks on from it.
    fn accept(&mut self, schema: &str, name: &str, context: &str) -> bool {
        if let Some(existing) = self.names.get(schema) {
            if existing != name && self.refused.insert((schema.to_owned(), name.to_owned())) {
                self.notes.push(format!(
                    "{context}: type `{schema}` is already `{existing}`, not `{name}`"
                ));
            }
            return existing == name;
        }
        if let Some(owner) = self.owners.get(name) {
            if self.refused.insert((schema.to_owned(), name.to_owned())) {
                self.notes.push(format!(
                    "{context}: `{name}` already names type `{owner}`, not `{schema}`"
                ));
            }
            return false;
        }
        let (Some(entry), Some(def)) = (self.entry(schema), self.manual.get(name)) else {
            return false;
        };
        if let Err(why) = self.agrees(entry, def) {
            if self.refused.insert((schema.to_owned(), name.to_owned())) {
                self.notes
                    .push(format!("{context}: type `{schema}` is not `{name}`: {why}"));
            }
            return false;
        }
        self.names.insert(schema.to_owned(), name.to_owned());
        self.owners.insert(name.to_owned(), schema.to_owned());
        self.walk_children(entry, def);
        true
    }

    /// Queues the pairs a matched type leads to: members, variants, alternatives.
    fn walk_children(&mut self, entry: &'s SchemaInfo, def: &'m Definition) {
        match &entry.kind {
            SchemaInfoKind::Object { variants, .. } => {
                let members = self.manual.members(def).to_vec();
                self.pair_members(&entry.name, &members, &def.name);
                for variant in variants {
                    if let Some(branch) = def.branches.iter().find(|b| b.value == variant.case) {
                        let context = format!("{} case `{}`", def.name, variant.case);
                        self.push(
                            &variant.type_,
                            TypeExpr::Named(branch.type_name.clone()),
                            context,
                        );
                    }
                }
            }
            SchemaInfoKind::Alternate { members } => {
                for member in members {
                    let kind = self.schema_json_kind(&member.type_);
                    let alternative = def.members.iter().find(|alt| {
                        alt.ty.as_ref().and_then(|ty| self.manual.json_kind(ty)) == kind
                    });
                    if let Some(ty) = alternative.and_then(|alt| alt.ty.clone()) {
                        self.push(&member.type_, ty, format!("{} alternative", def.name));
                    }
                }
            }
            _ => {}
        }
    }

    /// Queues (member type, documented type) for every member of object `schema` that the
    /// documented `members` name.
    fn pair_members(&mut self, schema: &str, members: &[&'m Member], context: &str) {
        let Some(SchemaInfoKind::Object {
            members: schema_members,
            ..
        }) = self.entry(schema).map(|e| &e.kind)
        else {
            return;
        };
        for member in schema_members {
            let documented = members.iter().find(|m| m.name == member.name);
            if let Some(ty) = documented.and_then(|m| m.ty.clone()) {
                self.push(&member.type_, ty, format!("{context}.{}", member.name));
            }
        }
    }

    /// The JSON kind of a schema type (for pairing alternatives).
    fn schema_json_kind(&self, name: &str) -> Option<JsonKind> {
        match self.entry(name).map(|e| &e.kind) {
            Some(SchemaInfoKind::Builtin { json_type }) => Some(JsonKind::of_builtin(*json_type)),
            Some(SchemaInfoKind::Object { .. }) => Some(JsonKind::Object),
            Some(SchemaInfoKind::Enum { .. }) => Some(JsonKind::String),
            Some(SchemaInfoKind::Array { .. }) => Some(JsonKind::Array),
            Some(_) => None,
            None => implicit_builtin(name).map(JsonKind::of_builtin),
        }
    }

    /// Whether schema type `entry` can be definition `def`: same kind; every schema member
    /// documented, with the same optionality and a compatible type; enum values documented;
    /// union cases documented under the same tag. `Err` says what disagrees.
    fn agrees(&self, entry: &SchemaInfo, def: &Definition) -> Result<(), String> {
        let kind = schema_kind(&entry.kind);
        if kind != Some(def.kind) {
            return Err(format!(
                "it is a {}, QEMU's is a {:?}",
                entry.kind.meta_type(),
                def.kind
            ));
        }
        match &entry.kind {
            SchemaInfoKind::Object {
                members,
                tag,
                variants,
            } => {
                let documented = self.manual.members(def);
                for member in members {
                    let Some(doc) = documented.iter().find(|m| m.name == member.name) else {
                        return Err(format!("QEMU's has no member `{}`", member.name));
                    };
                    if doc.optional != member.is_optional() {
                        return Err(format!("member `{}` differs in optionality", member.name));
                    }
                    if let Some(ty) = &doc.ty {
                        if !self.compatible(&member.type_, ty) {
                            return Err(format!("member `{}` differs in type", member.name));
                        }
                    }
                }
                if let Some(tag) = tag {
                    for variant in variants {
                        let branch = def
                            .branches
                            .iter()
                            .find(|b| &b.tag == tag && b.value == variant.case);
                        match branch {
                            // The manual lists only cases that add members.
                            None if self.is_empty_object(&variant.type_) => {}
                            None => {
                                return Err(format!(
                                    "QEMU's has no case `{tag}` = `{}`",
                                    variant.case
                                ))
                            }
                            Some(branch) => {
                                let ty = TypeExpr::Named(branch.type_name.clone());
                                if !self.compatible(&variant.type_, &ty) {
                                    return Err(format!("case `{}` differs in type", variant.case));
                                }
                            }
                        }
                    }
                }
                Ok(())
            }
            SchemaInfoKind::Enum { members, values } => {
                for value in EnumMember::of(members, values) {
                    if !def.members.iter().any(|m| m.name == value.name) {
                        return Err(format!("QEMU's has no value `{}`", value.name));
                    }
                }
                Ok(())
            }
            SchemaInfoKind::Alternate { members } => {
                for member in members {
                    let kind = self.schema_json_kind(&member.type_);
                    let found = def.members.iter().any(|alt| {
                        alt.ty.as_ref().and_then(|ty| self.manual.json_kind(ty)) == kind
                    });
                    if !found {
                        return Err("an alternative differs in kind".to_owned());
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Whether `entry` agrees with `def` ([`Matcher::agrees`]) and, down to `depth` levels,
    /// so do the still unnamed types of its members and variants with their documented
    /// types: two QEMU types of the same shape usually differ a level further down.
    fn agrees_deeply(&self, entry: &SchemaInfo, def: &Definition, depth: usize) -> bool {
        if self.agrees(entry, def).is_err() {
            return false;
        }
        if depth == 0 {
            return true;
        }
        let SchemaInfoKind::Object {
            members, variants, ..
        } = &entry.kind
        else {
            return true;
        };
        let documented = self.manual.members(def);
        let member_pairs = members.iter().filter_map(|member| {
            let doc = documented.iter().find(|m| m.name == member.name)?;
            Some((member.type_.as_str(), doc.ty.as_ref()?.clone()))
        });
        let variant_pairs = variants.iter().filter_map(|variant| {
            let branch = def.branches.iter().find(|b| b.value == variant.case)?;
            Some((
                variant.type_.as_str(),
                TypeExpr::Named(branch.type_name.clone()),
            ))
        });
        member_pairs.chain(variant_pairs).all(|(schema, ty)| {
            let (element, depth_schema) = self.element(schema);
            let (named, depth_doc) = innermost(&ty);
            if depth_schema != depth_doc || self.names.contains_key(element) {
                return true;
            }
            match (self.entry(element), self.manual.get(named)) {
                (Some(inner), Some(inner_def)) if self.nameable(element) => {
                    self.agrees_deeply(inner, inner_def, depth - 1)
                }
                _ => true,
            }
        })
    }

    /// Whether `name` is an object without members and variants.
    fn is_empty_object(&self, name: &str) -> bool {
        matches!(
            self.entry(name).map(|e| &e.kind),
            Some(SchemaInfoKind::Object { members, variants, .. })
                if members.is_empty() && variants.is_empty()
        )
    }

    /// Whether schema type `schema` can be the documented type `ty`: builtins must be the
    /// same JSON type, arrays arrays, a named type one of the same kind (and of that name,
    /// once named).
    fn compatible(&self, schema: &str, ty: &TypeExpr) -> bool {
        let entry = self.entry(schema);
        match ty {
            TypeExpr::Array(inner) => match entry.map(|e| &e.kind) {
                Some(SchemaInfoKind::Array { element_type }) => {
                    self.compatible(element_type, inner)
                }
                _ => false,
            },
            TypeExpr::Named(name) => {
                if let Some(json) = manual_builtin(name) {
                    let schema_json = match entry.map(|e| &e.kind) {
                        Some(SchemaInfoKind::Builtin { json_type }) => Some(*json_type),
                        Some(_) => None,
                        None => implicit_builtin(schema),
                    };
                    // `any` (json-type value) documents as `value`; QEMU also documents some
                    // object-typed builtins (`any` in older schemas) that way.
                    return schema_json == Some(json)
                        || (json == JsonType::Value && schema_json.is_some());
                }
                let Some(def) = self.manual.get(name) else {
                    // A type the manual names but does not define: nothing to compare.
                    return true;
                };
                match entry.map(|e| &e.kind) {
                    Some(kind) if schema_kind(kind) == Some(def.kind) => {
                        self.names.get(schema).map_or(true, |named| named == name)
                    }
                    // An empty object documents as a named struct without members.
                    Some(SchemaInfoKind::Object { .. }) => false,
                    _ => false,
                }
            }
        }
    }

    /// How well `entry` fits `def` by structure: `None` when they disagree; otherwise the
    /// number of documented members (or values, alternatives) the schema lacks, so 0 is an
    /// exact match.
    fn distance(&self, entry: &SchemaInfo, def: &Definition) -> Option<usize> {
        self.agrees_deeply(entry, def, STRUCTURE_DEPTH)
            .then_some(())?;
        let (schema_count, documented) = match &entry.kind {
            SchemaInfoKind::Object {
                members, variants, ..
            } => (
                members.len() + variants.len(),
                self.manual.members(def).len() + def.branches.len(),
            ),
            SchemaInfoKind::Enum { members, values } => {
                (EnumMember::of(members, values).len(), def.members.len())
            }
            SchemaInfoKind::Alternate { members } => (members.len(), def.members.len()),
            _ => return None,
        };
        Some(documented.saturating_sub(schema_count))
    }

    /// One pass of matching by structure over the masked types still unnamed: each takes the
    /// unused definition of its kind that fits it best, if exactly one fits best (prose in
    /// its users' return docs breaks ties). Returns whether anything was named.
    fn match_by_structure(&mut self) -> bool {
        let hints = self.return_hints();
        let mut progress = false;
        for entry in self.entries {
            if self.names.contains_key(&entry.name) || !self.nameable(&entry.name) {
                continue;
            }
            if self.root_arguments.contains(entry.name.as_str()) {
                continue;
            }
            let Some(kind) = schema_kind(&entry.kind) else {
                continue;
            };
            let mut best: Vec<(usize, &'m Definition)> = Vec::new();
            for def in self.manual.manual.definitions.values() {
                if def.kind != kind || self.owners.contains_key(&def.name) {
                    continue;
                }
                let Some(distance) = self.distance(entry, def) else {
                    continue;
                };
                match best.first() {
                    Some((d, _)) if distance > *d => {}
                    Some((d, _)) if distance == *d => best.push((distance, def)),
                    _ => best = vec![(distance, def)],
                }
            }
            let chosen = match best.as_slice() {
                [(_, def)] => Some(*def),
                [] => None,
                tied => {
                    let hinted: Vec<&'m Definition> = tied
                        .iter()
                        .map(|(_, def)| *def)
                        .filter(|def| {
                            hints
                                .get(entry.name.as_str())
                                .is_some_and(|names| names.contains(def.name.as_str()))
                        })
                        .collect();
                    match hinted.as_slice() {
                        [def] => Some(*def),
                        _ => None,
                    }
                }
            };
            if let Some(def) = chosen {
                let name = def.name.clone();
                if self.accept(&entry.name, &name, "by structure") {
                    progress = true;
                    self.drain();
                }
            }
        }
        progress
    }

    /// For each return type (through arrays) of a documented command: the definition names
    /// its return text mentions as code spans (`` `BlockInfo` ``).
    fn return_hints(&self) -> BTreeMap<&'s str, BTreeSet<&'m str>> {
        let mut hints: BTreeMap<&'s str, BTreeSet<&'m str>> = BTreeMap::new();
        for entry in self.entries {
            let SchemaInfoKind::Command { ret_type, .. } = &entry.kind else {
                continue;
            };
            let Some(returns) = self
                .manual
                .get(&entry.name)
                .and_then(|d| d.returns.as_ref())
            else {
                continue;
            };
            let (element, _) = self.element(ret_type);
            for word in words(&returns.doc) {
                if let Some((name, _)) = self.manual.manual.definitions.get_key_value(word) {
                    hints.entry(element).or_default().insert(name.as_str());
                }
            }
        }
        hints
    }

    /// Notes every nameable type that got no QEMU name and is no command's own arguments.
    fn note_unnamed(&mut self) {
        for entry in self.entries {
            if self.nameable(&entry.name)
                && !self.names.contains_key(&entry.name)
                && !self.root_arguments.contains(entry.name.as_str())
            {
                self.notes.push(format!(
                    "type `{}` ({}) got no name from the manual",
                    entry.name,
                    entry.kind.meta_type()
                ));
            }
        }
    }
}

/// The type a documented type names through its arrays, and how many arrays.
fn innermost(ty: &TypeExpr) -> (&str, usize) {
    match ty {
        TypeExpr::Named(name) => (name, 0),
        TypeExpr::Array(inner) => {
            let (name, depth) = innermost(inner);
            (name, depth + 1)
        }
    }
}

/// The identifier-like words of Markdown `text` (QAPI names: letters, digits, `-`, `_`).
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .filter(|word| !word.is_empty())
}
