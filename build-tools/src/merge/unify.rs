//! Members (return types, variants, …) whose type differs between the merged schemas: one
//! type that decodes what every release sends.
//!
//! The rules, first match wins, for two types A and B of one site:
//!
//! 1. an **enum and `str`** → the enum: generated enums are open (`Unknown(String)` keeps
//!    and sends any other string), so every string of either release decodes and can be
//!    sent;
//! 2. **`int` and `number`** → `number` (`f64`), which decodes both;
//! 3. an **alternate that has the other type as an alternative** → the alternate;
//! 4. **two arrays** → an array of the unified elements;
//! 5. **two objects** (QEMU renamed or replaced the type) → the object of the later schema,
//!    which gains the members only the earlier one has, and is available wherever either
//!    is (so its members are required only where every release requires them);
//!    **two enums** → the later enum, with the earlier one's other values;
//! 6. types of **different JSON kinds** (a string and an object, …) → an alternate of both
//!    (named like any alternate, from its use site);
//! 7. anything else → `any` (`serde_json::Value`), the last resort.
//!
//! Every decision is listed as a [`TypeChange`] (`qmp-codegen generate --verbose` prints
//! them).

use std::collections::BTreeSet;
use std::fmt;

use qmp_types::introspection::{AlternateMember, JsonType, SchemaInfo, SchemaInfoKind};

use super::Merger;

/// Where in the merged schema a type is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Site {
    /// Member (second) of the object keyed by the first.
    Member(String, String),
    /// Variant of case (second) of the union keyed by the first.
    Variant(String, String),
    /// The argument type of a command or event.
    Arguments(String),
    /// The return type of a command.
    Returns(String),
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Site::Member(owner, member) => write!(f, "{owner}.{member}"),
            Site::Variant(owner, case) => write!(f, "{owner}+{case}"),
            Site::Arguments(owner) => write!(f, "{owner} (arguments)"),
            Site::Returns(owner) => write!(f, "{owner} (returns)"),
        }
    }
}

/// A site whose type differs between inputs: each type (key) with the inputs using it.
#[derive(Debug)]
pub(super) struct Pending {
    site: Site,
    types: Vec<(String, Vec<usize>)>,
}

/// One site whose type differs between the merged schemas, and the type chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeChange {
    /// Where: `Type.member`, `Union+case`, `command (returns)`, … (types by Rust name).
    pub site: String,
    /// Each type the site has (`str`, `int`, a Rust type name, `[X]` for arrays) with the
    /// releases that use it.
    pub types: Vec<(String, Vec<String>)>,
    /// The type chosen (same spelling).
    pub chosen: String,
    /// Which rule chose it.
    pub reason: &'static str,
}

impl fmt::Display for TypeChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`:", self.site)?;
        for (i, (ty, releases)) in self.types.iter().enumerate() {
            let sep = if i == 0 { "" } else { ";" };
            write!(f, "{sep} `{ty}` in {}", releases.join(", "))?;
        }
        write!(f, " → `{}` ({})", self.chosen, self.reason)
    }
}

/// The JSON kinds a value of a type can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Json {
    String,
    Number,
    Boolean,
    Null,
    Object,
    Array,
}

impl Merger<'_> {
    /// Records that input `i` uses type `new` at `site`, where the merged entry so far has
    /// `old` (a no-op while every input agrees).
    pub(super) fn differ(&mut self, site: Site, old: &str, new: String, i: usize) {
        if let Some(pending) = self.pending.iter_mut().find(|p| p.site == site) {
            match pending.types.iter_mut().find(|(key, _)| *key == new) {
                Some((_, inputs)) => inputs.push(i),
                None => pending.types.push((new, vec![i])),
            }
            return;
        }
        if old == new {
            return;
        }
        let owner = match &site {
            Site::Member(owner, _)
            | Site::Variant(owner, _)
            | Site::Arguments(owner)
            | Site::Returns(owner) => owner,
        };
        let before = self.availability.item(owner).inputs_before(i);
        self.pending.push(Pending {
            site,
            types: vec![(old.to_owned(), before), (new, vec![i])],
        });
    }

    /// Chooses a type for every pending site, writes it into the merged entries and lists
    /// the decisions.
    pub(super) fn resolve_pending(&mut self) -> Vec<TypeChange> {
        let pending = std::mem::take(&mut self.pending);
        let mut changes = Vec::with_capacity(pending.len());
        for Pending { site, types } in pending {
            let mut keys = types.iter().map(|(key, _)| key.clone());
            let Some(first) = keys.next() else {
                continue;
            };
            let mut reason = "";
            let mut chosen = first;
            for key in keys {
                let (key, why) = self.unify(&chosen, &key);
                chosen = key;
                reason = why;
            }
            self.set_type(&site, &chosen);
            changes.push(TypeChange {
                site: site.to_string(),
                types: types
                    .into_iter()
                    .map(|(key, inputs)| {
                        let labels = inputs
                            .iter()
                            .map(|&i| self.inputs[i].label.clone())
                            .collect();
                        (key, labels)
                    })
                    .collect(),
                chosen,
                reason,
            });
        }
        changes
    }

    /// Writes type `key` at `site`.
    fn set_type(&mut self, site: &Site, key: &str) {
        let owner = match site {
            Site::Member(owner, _)
            | Site::Variant(owner, _)
            | Site::Arguments(owner)
            | Site::Returns(owner) => owner,
        };
        let Some(entry) = self.entries.get_mut(owner) else {
            return;
        };
        match (&mut entry.kind, site) {
            (SchemaInfoKind::Object { members, .. }, Site::Member(_, name)) => {
                if let Some(member) = members.iter_mut().find(|m| &m.name == name) {
                    member.type_ = key.to_owned();
                }
            }
            (SchemaInfoKind::Object { variants, .. }, Site::Variant(_, case)) => {
                if let Some(variant) = variants.iter_mut().find(|v| &v.case == case) {
                    variant.type_ = key.to_owned();
                }
            }
            (SchemaInfoKind::Command { arg_type, .. }, Site::Arguments(_))
            | (SchemaInfoKind::Event { arg_type }, Site::Arguments(_)) => {
                key.clone_into(arg_type);
            }
            (SchemaInfoKind::Command { ret_type, .. }, Site::Returns(_)) => {
                key.clone_into(ret_type);
            }
            _ => {}
        }
    }

    /// The merged entry of `key`'s kind.
    fn kind_of(&self, key: &str) -> Option<&SchemaInfoKind> {
        self.entries.get(key).map(|e| &e.kind)
    }

    /// One type for `a` and `b` (see the [module docs](self)), with the rule that chose it.
    fn unify(&mut self, a: &str, b: &str) -> (String, &'static str) {
        if a == b {
            return (a.to_owned(), "same type");
        }
        let (ka, kb) = (self.kind_of(a).cloned(), self.kind_of(b).cloned());
        use SchemaInfoKind as K;
        match (&ka, &kb) {
            (Some(K::Enum { .. }), Some(K::Builtin { json_type })) if is_string(*json_type) => {
                return (a.to_owned(), OPEN_ENUM);
            }
            (Some(K::Builtin { json_type }), Some(K::Enum { .. })) if is_string(*json_type) => {
                return (b.to_owned(), OPEN_ENUM);
            }
            (Some(K::Builtin { json_type: x }), Some(K::Builtin { json_type: y }))
                if is_numeric(*x) && is_numeric(*y) =>
            {
                let number = if *x == JsonType::Number { a } else { b };
                return (number.to_owned(), "`number` decodes every `int`");
            }
            (Some(K::Alternate { members }), _) if members.iter().any(|m| m.type_ == b) => {
                return (a.to_owned(), HAS_ALTERNATIVE);
            }
            (_, Some(K::Alternate { members })) if members.iter().any(|m| m.type_ == a) => {
                return (b.to_owned(), HAS_ALTERNATIVE);
            }
            (Some(K::Array { element_type: x }), Some(K::Array { element_type: y })) => {
                let (x, y) = (x.clone(), y.clone());
                let (element, _) = self.unify(&x, &y);
                let key = format!("[{element}]");
                self.entries
                    .entry(key.clone())
                    .or_insert_with(|| SchemaInfo {
                        name: key.clone(),
                        features: Vec::new(),
                        kind: K::Array {
                            element_type: element,
                        },
                    });
                return (key, "an array of the unified elements");
            }
            (Some(K::Object { .. }), Some(K::Object { .. })) => {
                self.absorb(a, b);
                return (
                    b.to_owned(),
                    "the later object, with the earlier one's other members optional",
                );
            }
            (Some(K::Enum { .. }), Some(K::Enum { .. })) => {
                self.absorb(a, b);
                return (
                    b.to_owned(),
                    "the later enum, with the earlier one's other values",
                );
            }
            _ => {}
        }
        let (ja, jb) = (self.json_kinds(a), self.json_kinds(b));
        if !ja.is_empty() && !jb.is_empty() && ja.is_disjoint(&jb) {
            let key = format!("{a}|{b}");
            self.entries
                .entry(key.clone())
                .or_insert_with(|| SchemaInfo {
                    name: key.clone(),
                    features: Vec::new(),
                    kind: K::Alternate {
                        members: [a, b]
                            .iter()
                            .map(|t| AlternateMember {
                                type_: (*t).to_owned(),
                            })
                            .collect(),
                    },
                });
            return (key, "an alternate of both: their JSON kinds differ");
        }
        self.entries
            .entry(ANY.to_owned())
            .or_insert_with(|| SchemaInfo {
                name: ANY.to_owned(),
                features: Vec::new(),
                kind: K::Builtin {
                    json_type: JsonType::Value,
                },
            });
        (ANY.to_owned(), "`any`: no type decodes both")
    }

    /// Makes type `into` (an object or enum) also stand for type `from` (one of the same
    /// kind that QEMU renamed or replaced): it gains `from`'s other members (optional) or
    /// values, and `from`'s availability.
    fn absorb(&mut self, from: &str, into: &str) {
        self.availability.absorb(from, into);
        let from_kind = self.kind_of(from).cloned();
        let availability = &self.availability;
        let Some(entry) = self.entries.get_mut(into) else {
            return;
        };
        match (&mut entry.kind, from_kind) {
            (
                SchemaInfoKind::Object { members, .. },
                Some(SchemaInfoKind::Object { members: other, .. }),
            ) => {
                for member in other {
                    if !members.iter().any(|m| m.name == member.name) {
                        members.push(member);
                    }
                }
                for member in members.iter_mut() {
                    if !availability.always_required(into, &member.name) {
                        member.default = Some(serde_json::Value::Null);
                    }
                }
            }
            (
                SchemaInfoKind::Enum {
                    members: Some(values),
                    ..
                },
                Some(SchemaInfoKind::Enum {
                    members: Some(other),
                    ..
                }),
            ) => {
                for value in other {
                    if !values.iter().any(|v| v.name == value.name) {
                        values.push(value);
                    }
                }
            }
            _ => {}
        }
    }

    /// The JSON kinds a value of type `key` can have; empty for `any`.
    fn json_kinds(&self, key: &str) -> BTreeSet<Json> {
        let mut kinds = BTreeSet::new();
        match self.kind_of(key) {
            Some(SchemaInfoKind::Builtin { json_type }) => match json_type {
                JsonType::String => {
                    kinds.insert(Json::String);
                }
                JsonType::Number | JsonType::Int => {
                    kinds.insert(Json::Number);
                }
                JsonType::Boolean => {
                    kinds.insert(Json::Boolean);
                }
                JsonType::Null => {
                    kinds.insert(Json::Null);
                }
                JsonType::Object => {
                    kinds.insert(Json::Object);
                }
                JsonType::Array => {
                    kinds.insert(Json::Array);
                }
                JsonType::Value => {}
            },
            Some(SchemaInfoKind::Enum { .. }) => {
                kinds.insert(Json::String);
            }
            Some(SchemaInfoKind::Object { .. }) => {
                kinds.insert(Json::Object);
            }
            Some(SchemaInfoKind::Array { .. }) => {
                kinds.insert(Json::Array);
            }
            Some(SchemaInfoKind::Alternate { members }) => {
                for member in members {
                    let inner = self.json_kinds(&member.type_);
                    if inner.is_empty() {
                        return BTreeSet::new();
                    }
                    kinds.extend(inner);
                }
            }
            _ => {}
        }
        kinds
    }
}

/// The builtin that decodes anything.
const ANY: &str = "any";

/// Why an enum wins over `str`.
const OPEN_ENUM: &str = "the enum: it is open, so any string decodes and can be sent";

/// Why an alternate wins over one of its alternatives.
const HAS_ALTERNATIVE: &str = "the alternate, which has the other type as an alternative";

/// Whether a builtin is a JSON string.
fn is_string(json_type: JsonType) -> bool {
    json_type == JsonType::String
}

/// Whether a builtin is a JSON number.
fn is_numeric(json_type: JsonType) -> bool {
    matches!(json_type, JsonType::Int | JsonType::Number)
}
