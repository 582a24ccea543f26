//! The structural walk behind a release diff: both schemas are walked side by side from their
//! commands and events, pairing types by the path that reaches them (never by masked name).
//!
//! The walk is breadth-first. Roots (command and event names) are taken in name order and
//! each type's children in component order, so every pair of types is first reached along its
//! shortest path, and among equally short paths along the smallest one component by
//! component. Each pair (old type, new type) is compared once, at that first path: a change
//! inside a type shared by several commands is reported once, and cycles end.

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};

use qmp_types::introspection::{EnumMember, ObjectMember, SchemaInfo, SchemaInfoKind, Variant};
use qmp_types::probe::SchemaIndex;

use super::change::{Change, ChangeKind, SchemaPath};
use super::QemuNames;

/// How deep [`shape`] describes nested arrays before abbreviating.
const MAX_SHAPE_DEPTH: usize = 8;

/// Every change between `old` and `new`, in walk order; `names` tells renamed types.
pub(super) fn changes(old: &SchemaIndex, new: &SchemaIndex, names: &QemuNames) -> Vec<Change> {
    let mut walk = Walk {
        old,
        new,
        names,
        queue: VecDeque::new(),
        seen: HashSet::new(),
        changes: Vec::new(),
    };
    walk.roots();
    while let Some(task) = walk.queue.pop_front() {
        if walk.seen.insert((task.old, task.new)) {
            walk.compare(&task);
        }
    }
    walk.changes
}

/// A pair of types reached at the same path in both schemas, waiting to be compared.
struct Task<'a> {
    path: SchemaPath,
    old: &'a str,
    new: &'a str,
}

struct Walk<'a> {
    old: &'a SchemaIndex,
    new: &'a SchemaIndex,
    names: &'a QemuNames,
    queue: VecDeque<Task<'a>>,
    seen: HashSet<(&'a str, &'a str)>,
    changes: Vec<Change>,
}

impl<'a> Walk<'a> {
    fn report(&mut self, path: SchemaPath, kind: ChangeKind) {
        self.changes.push(Change { path, kind });
    }

    fn enqueue(&mut self, path: SchemaPath, old: &'a str, new: &'a str) {
        self.queue.push_back(Task { path, old, new });
    }

    /// Compares commands and events, queueing their argument and return types.
    fn roots(&mut self) {
        let old_roots = roots(self.old);
        let new_roots = roots(self.new);
        let names: BTreeSet<&str> = old_roots.keys().chain(new_roots.keys()).copied().collect();
        for name in names {
            let path = SchemaPath::root(name);
            match (old_roots.get(name), new_roots.get(name)) {
                (Some(old), Some(new)) => self.root(path, old, new),
                (None, Some(new)) => self.report(path, added_root(new)),
                (Some(old), None) => self.report(path, removed_root(old)),
                (None, None) => {}
            }
        }
    }

    fn root(&mut self, path: SchemaPath, old: &'a SchemaInfo, new: &'a SchemaInfo) {
        self.features(&path, &old.features, &new.features);
        match (&old.kind, &new.kind) {
            (
                SchemaInfoKind::Command {
                    arg_type: old_arg,
                    ret_type: old_ret,
                    allow_oob: old_oob,
                },
                SchemaInfoKind::Command {
                    arg_type: new_arg,
                    ret_type: new_ret,
                    allow_oob: new_oob,
                },
            ) => {
                if old_oob != new_oob {
                    let allowed = *new_oob;
                    self.report(path.clone(), ChangeKind::AllowOobChanged { allowed });
                }
                self.enqueue(path.join("arg-type"), old_arg, new_arg);
                self.enqueue(path.join("ret-type"), old_ret, new_ret);
            }
            (
                SchemaInfoKind::Event { arg_type: old_arg },
                SchemaInfoKind::Event { arg_type: new_arg },
            ) => self.enqueue(path.join("arg-type"), old_arg, new_arg),
            // A command that became an event or vice versa: one removed, one added.
            _ => {
                self.report(path.clone(), removed_root(old));
                self.report(path, added_root(new));
            }
        }
    }

    /// Compares two types reached at the same path.
    fn compare(&mut self, task: &Task<'a>) {
        let (Some(old), Some(new)) = (self.old.get(task.old), self.new.get(task.new)) else {
            return;
        };
        if let (Some(old_name), Some(new_name)) =
            (self.names.old.get(task.old), self.names.new.get(task.new))
        {
            if old_name != new_name {
                let (old, new) = (old_name.clone(), new_name.clone());
                self.report(task.path.clone(), ChangeKind::TypeRenamed { old, new });
            }
        }
        let (old_shape, new_shape) = (
            shape(self.old, old, MAX_SHAPE_DEPTH),
            shape(self.new, new, MAX_SHAPE_DEPTH),
        );
        if !same_kind(&old.kind, &new.kind) || (is_builtin(old) && old_shape != new_shape) {
            let (old, new) = (old_shape, new_shape);
            self.report(task.path.clone(), ChangeKind::TypeChanged { old, new });
            return;
        }
        self.features(&task.path, &old.features, &new.features);
        match (&old.kind, &new.kind) {
            (
                SchemaInfoKind::Enum {
                    members: old_members,
                    values: old_values,
                },
                SchemaInfoKind::Enum {
                    members: new_members,
                    values: new_values,
                },
            ) => self.enums(
                &task.path,
                &EnumMember::of(old_members, old_values),
                &EnumMember::of(new_members, new_values),
            ),
            (
                SchemaInfoKind::Object {
                    members: old_members,
                    tag: old_tag,
                    variants: old_variants,
                },
                SchemaInfoKind::Object {
                    members: new_members,
                    tag: new_tag,
                    variants: new_variants,
                },
            ) => {
                if old_tag != new_tag {
                    let (old, new) = (old_tag.clone(), new_tag.clone());
                    self.report(task.path.clone(), ChangeKind::TagChanged { old, new });
                }
                // Variants first: `+case` sorts before every member name.
                self.variants(&task.path, old_variants, new_variants);
                self.members(&task.path, old_members, new_members);
            }
            (
                SchemaInfoKind::Array { element_type: old },
                SchemaInfoKind::Array { element_type: new },
            ) => self.enqueue(task.path.join("[]"), old, new),
            (SchemaInfoKind::Alternate { .. }, SchemaInfoKind::Alternate { .. }) => {
                self.alternates(&task.path, old, new)
            }
            _ => {}
        }
    }

    fn features(&mut self, path: &SchemaPath, old: &[String], new: &[String]) {
        for feature in new.iter().filter(|f| !old.contains(f)) {
            let feature = feature.clone();
            self.report(path.clone(), ChangeKind::FeatureAdded { feature });
        }
        for feature in old.iter().filter(|f| !new.contains(f)) {
            let feature = feature.clone();
            self.report(path.clone(), ChangeKind::FeatureRemoved { feature });
        }
    }

    fn enums(&mut self, path: &SchemaPath, old: &[EnumMember], new: &[EnumMember]) {
        let old: BTreeMap<&str, &EnumMember> = old.iter().map(|m| (m.name.as_str(), m)).collect();
        let new: BTreeMap<&str, &EnumMember> = new.iter().map(|m| (m.name.as_str(), m)).collect();
        for (name, kind) in pairs(&old, &new) {
            let path = path.join(format!("^{name}"));
            match kind {
                Pair::Both(old, new) => self.features(&path, &old.features, &new.features),
                Pair::Added(new) => {
                    let features = new.features.clone();
                    self.report(path, ChangeKind::EnumValueAdded { features });
                }
                Pair::Removed(_) => self.report(path, ChangeKind::EnumValueRemoved),
            }
        }
    }

    fn members(&mut self, path: &SchemaPath, old: &'a [ObjectMember], new: &'a [ObjectMember]) {
        let old: BTreeMap<&str, &ObjectMember> = old.iter().map(|m| (m.name.as_str(), m)).collect();
        let new: BTreeMap<&str, &ObjectMember> = new.iter().map(|m| (m.name.as_str(), m)).collect();
        for (name, kind) in pairs(&old, &new) {
            let path = path.join(name);
            match kind {
                Pair::Both(old, new) => {
                    match (old.is_optional(), new.is_optional()) {
                        (false, true) => self.report(path.clone(), ChangeKind::MadeOptional),
                        (true, false) => self.report(path.clone(), ChangeKind::MadeRequired),
                        _ => {}
                    }
                    self.features(&path, &old.features, &new.features);
                    self.enqueue(path, &old.type_, &new.type_);
                }
                Pair::Added(new) => {
                    let (optional, features) = (new.is_optional(), new.features.clone());
                    self.report(path, ChangeKind::MemberAdded { optional, features });
                }
                Pair::Removed(_) => self.report(path, ChangeKind::MemberRemoved),
            }
        }
    }

    fn variants(&mut self, path: &SchemaPath, old: &'a [Variant], new: &'a [Variant]) {
        let old: BTreeMap<&str, &Variant> = old.iter().map(|v| (v.case.as_str(), v)).collect();
        let new: BTreeMap<&str, &Variant> = new.iter().map(|v| (v.case.as_str(), v)).collect();
        for (case, kind) in pairs(&old, &new) {
            let path = path.join(format!("+{case}"));
            match kind {
                Pair::Both(old, new) => self.enqueue(path, &old.type_, &new.type_),
                Pair::Added(_) => self.report(path, ChangeKind::VariantAdded),
                Pair::Removed(_) => self.report(path, ChangeKind::VariantRemoved),
            }
        }
    }

    /// Pairs the branches of two alternates by their JSON type (QAPI allows one per type).
    fn alternates(&mut self, path: &SchemaPath, old: &'a SchemaInfo, new: &'a SchemaInfo) {
        let old = branches(self.old, old);
        let new = branches(self.new, new);
        for (json_type, kind) in pairs(&old, &new) {
            let path = path.join(format!("|{json_type}"));
            match kind {
                Pair::Both(old, new) => self.enqueue(path, old, new),
                Pair::Added(_) => self.report(path, ChangeKind::AlternativeAdded),
                Pair::Removed(_) => self.report(path, ChangeKind::AlternativeRemoved),
            }
        }
    }
}

/// Commands and events by name.
fn roots(index: &SchemaIndex) -> BTreeMap<&str, &SchemaInfo> {
    index
        .entries()
        .filter(|e| {
            matches!(
                e.kind,
                SchemaInfoKind::Command { .. } | SchemaInfoKind::Event { .. }
            )
        })
        .map(|e| (e.name.as_str(), e))
        .collect()
}

fn added_root(entry: &SchemaInfo) -> ChangeKind {
    let features = entry.features.clone();
    match entry.kind {
        SchemaInfoKind::Event { .. } => ChangeKind::EventAdded { features },
        _ => ChangeKind::CommandAdded { features },
    }
}

fn removed_root(entry: &SchemaInfo) -> ChangeKind {
    match entry.kind {
        SchemaInfoKind::Event { .. } => ChangeKind::EventRemoved,
        _ => ChangeKind::CommandRemoved,
    }
}

/// An item present in the old schema, the new one, or both.
enum Pair<T> {
    Both(T, T),
    Added(T),
    Removed(T),
}

/// Matches two maps by key, in key order.
fn pairs<'k, T: Copy>(
    old: &BTreeMap<&'k str, T>,
    new: &BTreeMap<&'k str, T>,
) -> Vec<(&'k str, Pair<T>)> {
    let keys: BTreeSet<&'k str> = old.keys().chain(new.keys()).copied().collect();
    keys.into_iter()
        .filter_map(|key| {
            let pair = match (old.get(key), new.get(key)) {
                (Some(&old), Some(&new)) => Pair::Both(old, new),
                (None, Some(&new)) => Pair::Added(new),
                (Some(&old), None) => Pair::Removed(old),
                (None, None) => return None,
            };
            Some((key, pair))
        })
        .collect()
}

/// An alternate's branch types keyed by the JSON type of their values.
fn branches<'a>(
    index: &'a SchemaIndex,
    alternate: &'a SchemaInfo,
) -> BTreeMap<&'static str, &'a str> {
    let SchemaInfoKind::Alternate { members } = &alternate.kind else {
        return BTreeMap::new();
    };
    members
        .iter()
        .filter_map(|m| {
            let key = match &index.get(&m.type_)?.kind {
                SchemaInfoKind::Builtin { json_type } => json_type.as_str(),
                SchemaInfoKind::Enum { .. } => "string",
                SchemaInfoKind::Object { .. } => "object",
                SchemaInfoKind::Array { .. } => "array",
                SchemaInfoKind::Alternate { .. } => "alternate",
                SchemaInfoKind::Command { .. } | SchemaInfoKind::Event { .. } => return None,
            };
            Some((key, m.type_.as_str()))
        })
        .collect()
}

fn same_kind(old: &SchemaInfoKind, new: &SchemaInfoKind) -> bool {
    old.meta_type() == new.meta_type()
}

fn is_builtin(entry: &SchemaInfo) -> bool {
    matches!(entry.kind, SchemaInfoKind::Builtin { .. })
}

/// A readable description of a type's shape that never names a masked type: the builtin's
/// name (`int`, `str`, …), `enum`, `object`, `alternate`, or `array of …`.
fn shape(index: &SchemaIndex, entry: &SchemaInfo, depth: usize) -> String {
    match &entry.kind {
        SchemaInfoKind::Builtin { .. } => entry.name.clone(),
        SchemaInfoKind::Array { element_type } => match index.get(element_type) {
            Some(element) if depth > 0 => format!("array of {}", shape(index, element, depth - 1)),
            _ => "array of …".to_owned(),
        },
        kind => kind.meta_type().to_owned(),
    }
}
