//! Stage 4: the model and the assigned names → Rust tokens (`quote!`).
//!
//! Output order is fixed: commands, events, the `Event` enum, then every other type, each
//! section sorted by Rust name. All paths are absolute (`::qmp_types::...`; decoding helpers
//! live in `qmp_types::__private`), so the file works `include!`d into any module of a crate
//! that depends on `qmp-types` only.

mod docs;
mod fields;
mod qemu_docs;
mod roots;
mod types;

pub use qemu_docs::QemuDocs;

pub(crate) use docs::PLACEHOLDER as DOC_PLACEHOLDER;

use docs::DocTable;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

use proc_macro2::{Ident, Span, TokenStream};
use qmp_types::introspection::{SchemaInfo, SchemaInfoKind};
use quote::{quote, ToTokens};

use crate::error::{Error, Result};
use crate::merge::{Availability, Releases};
use crate::model::{is_deprecated, Model, Usage};
use crate::naming::TypeNames;
use crate::reference::Definition;
use crate::type_attributes::{self, TypeAttribute};

/// Emitted items: their tokens, in which each doc comment is a placeholder attribute, and
/// the comments themselves, which [`crate::format`] splices into the formatted text.
#[derive(Debug)]
pub struct Emitted {
    /// The items' tokens.
    pub tokens: TokenStream,
    /// The `///` lines of each doc comment (`\n`-terminated), by placeholder index.
    pub doc_comments: Vec<String>,
}

/// Emits the bindings for `model`, named by `names`, in one piece (the engine emits in parallel
/// ranges of a [`Plan`]; its tests compare the two).
///
/// # Errors
/// [`Error::Entry`] when `names` has no Rust name for a generated type.
#[cfg(test)]
pub fn emit(model: &Model, names: &TypeNames) -> Result<Emitted> {
    let plan = Plan::new(model, names, None)?;
    plan.emit(0..plan.len())
}

/// One top-level item of the output (with what belongs to it: constructor, variant enum).
#[derive(Debug, Clone, Copy)]
enum Job {
    /// The struct of the command entry at this position.
    Command(usize),
    /// The struct of the event entry at this position.
    Event(usize),
    /// The `Event` enum over all events.
    EventEnum,
    /// The named type (object, enum, alternate) at this position.
    Type(usize),
}

/// The output's items in output order, and what emitting any of them needs to know about the
/// others, so that any range of items can be emitted on its own (and on its own thread:
/// token streams cannot cross threads, so each range is emitted and formatted where it
/// lives). Emitting the ranges of a partition and concatenating them gives the same items as
/// emitting everything at once.
#[derive(Debug)]
pub struct Plan<'a> {
    model: &'a Model,
    names: &'a TypeNames,
    /// QEMU's documentation, when its reference manual is at hand.
    qemu: Option<&'a QemuDocs<'a>>,
    /// Object entries whose Rust type is a command or event struct (same assigned name).
    absorbed: HashMap<usize, usize>,
    /// The name of each union's variant enum, by the union's Rust name.
    variant_enums: HashMap<String, String>,
    /// The items, in output order, each with a rough size (members, values, variants).
    jobs: Vec<(Job, usize)>,
    /// The user's attributes for the types their paths select.
    type_attributes: &'a [TypeAttribute],
    /// Which merged schemas have what (bindings merged from several schemas only).
    availability: Option<&'a Availability>,
}

impl<'a> Plan<'a> {
    /// Orders the output: commands, events, the `Event` enum, then every other type, each
    /// section sorted by Rust name. Items carry QEMU's documentation from `qemu` when given.
    ///
    /// # Errors
    /// [`Error::Entry`] when `names` has no Rust name (or no valid one) for a generated type.
    pub fn new(
        model: &'a Model,
        names: &'a TypeNames,
        qemu: Option<&'a QemuDocs<'a>>,
    ) -> Result<Plan<'a>> {
        let absorbed = absorbed(model, names);
        let mut commands = BTreeMap::new();
        let mut events = BTreeMap::new();
        let mut types = BTreeMap::new();
        for (i, entry) in model.entries.iter().enumerate() {
            if !model.is_generated(i) {
                continue;
            }
            let section = match &entry.kind {
                SchemaInfoKind::Command { .. } => &mut commands,
                SchemaInfoKind::Event { .. } => &mut events,
                // Absorbed into a command or event struct, or `::qmp_types::Empty`.
                SchemaInfoKind::Object { .. }
                    if absorbed.contains_key(&i) || model.is_empty_object(&entry.name) =>
                {
                    continue
                }
                SchemaInfoKind::Object { .. }
                | SchemaInfoKind::Enum { .. }
                | SchemaInfoKind::Alternate { .. } => &mut types,
                SchemaInfoKind::Builtin { .. } | SchemaInfoKind::Array { .. } => continue,
            };
            section.insert(type_name(model, names, i)?.to_string(), i);
        }
        let weight = |i: usize| 1 + size(model, i);
        let mut jobs: Vec<(Job, usize)> = Vec::with_capacity(model.entries.len());
        jobs.extend(commands.values().map(|&i| {
            let arg = match &model.entries[i].kind {
                SchemaInfoKind::Command { arg_type, .. } => model.position(arg_type),
                _ => None,
            };
            (
                Job::Command(i),
                weight(i) + arg.map_or(0, |a| size(model, a)),
            )
        }));
        jobs.extend(events.values().map(|&i| {
            let arg = match &model.entries[i].kind {
                SchemaInfoKind::Event { arg_type } => model.position(arg_type),
                _ => None,
            };
            (Job::Event(i), weight(i) + arg.map_or(0, |a| size(model, a)))
        }));
        jobs.push((Job::EventEnum, 1 + events.len()));
        jobs.extend(types.values().map(|&i| (Job::Type(i), weight(i))));
        let variant_enums = variant_enums(model, names, &absorbed);
        Ok(Plan {
            model,
            names,
            qemu,
            absorbed,
            variant_enums,
            jobs,
            type_attributes: &[],
            availability: None,
        })
    }

    /// Adds the user's `attributes` to the types their paths select (none by default).
    #[must_use]
    pub fn with_type_attributes(self, attributes: &'a [TypeAttribute]) -> Plan<'a> {
        Plan {
            type_attributes: attributes,
            ..self
        }
    }

    /// Marks the items with the merged schemas having them (docs, and `available_in` on
    /// commands and events).
    pub fn with_availability(mut self, availability: Option<&'a Availability>) -> Self {
        self.availability = availability;
        self
    }

    /// The number of top-level items.
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// Splits the items into at most `parts` consecutive, non-empty ranges of about equal
    /// size (one empty range when there are no items).
    pub fn partition(&self, parts: usize) -> Vec<Range<usize>> {
        let total: usize = self.jobs.iter().map(|(_, w)| w).sum();
        let parts = parts.clamp(1, self.jobs.len().max(1));
        let mut ranges = Vec::with_capacity(parts);
        let (mut start, mut done) = (0, 0);
        for (i, (_, weight)) in self.jobs.iter().enumerate() {
            done += weight;
            // Close the current range once it holds its share of the total.
            if ranges.len() + 1 < parts && done * parts >= total * (ranges.len() + 1) {
                ranges.push(start..i + 1);
                start = i + 1;
            }
        }
        if start < self.jobs.len() || ranges.is_empty() {
            ranges.push(start..self.jobs.len());
        }
        ranges
    }

    /// Emits the items in `range` (see [`Plan::partition`]).
    ///
    /// # Errors
    /// [`Error::Entry`] when `names` has no Rust name for a type an item refers to.
    pub fn emit(&self, range: Range<usize>) -> Result<Emitted> {
        let mut emitter = Emitter {
            model: self.model,
            names: self.names,
            qemu: self.qemu,
            absorbed: &self.absorbed,
            variant_enums: &self.variant_enums,
            type_attributes: self.type_attributes,
            availability: self.availability,
            types: HashMap::new(),
            docs: DocTable::default(),
        };
        let mut out = TokenStream::new();
        for &(job, _) in self.jobs.get(range).unwrap_or_default() {
            let model = self.model;
            out.extend(match job {
                Job::Command(i) => emitter.command(i, &model.entries[i])?,
                Job::Event(i) => emitter.event(i, &model.entries[i])?,
                Job::EventEnum => emitter.event_enum()?,
                Job::Type(i) => {
                    let name = emitter.type_name(i)?;
                    emitter.named_type(i, &model.entries[i], &name)?
                }
            });
        }
        Ok(Emitted {
            tokens: out,
            doc_comments: emitter.docs.into_comments(),
        })
    }
}

/// Object entries that are a command or event struct themselves (same assigned name), with
/// the command or event.
fn absorbed(model: &Model, names: &TypeNames) -> HashMap<usize, usize> {
    let mut absorbed = HashMap::new();
    for (i, entry) in model.entries.iter().enumerate() {
        let arg_type = match &entry.kind {
            SchemaInfoKind::Command { arg_type, .. } | SchemaInfoKind::Event { arg_type } => {
                arg_type
            }
            _ => continue,
        };
        if !model.is_generated(i) {
            continue;
        }
        if let (Some(arg), Some(own), Some(of_arg)) = (
            model.position(arg_type),
            names.type_name(&entry.name),
            names.type_name(arg_type),
        ) {
            if own == of_arg {
                absorbed.insert(arg, i);
            }
        }
    }
    absorbed
}

/// `{Union}Variant` for every generated union, or `{Union}Variant2`, … when a schema type
/// (or an earlier union, in schema order) already has the name.
fn variant_enums(
    model: &Model,
    names: &TypeNames,
    absorbed: &HashMap<usize, usize>,
) -> HashMap<String, String> {
    let mut taken: HashSet<String> = names
        .iter()
        .map(|(_, rust)| rust)
        .chain(["Event".to_owned()])
        .collect();
    let mut unions = HashMap::new();
    for (i, entry) in model.entries.iter().enumerate() {
        let object = match &entry.kind {
            _ if !model.is_generated(i) => continue,
            // A command's or event's own union is emitted at the command or event.
            SchemaInfoKind::Command { arg_type, .. } | SchemaInfoKind::Event { arg_type } => {
                match model.position(arg_type) {
                    Some(arg) if absorbed.contains_key(&arg) => arg,
                    _ => continue,
                }
            }
            SchemaInfoKind::Object { .. } if !absorbed.contains_key(&i) => i,
            _ => continue,
        };
        let is_union = matches!(
            &model.entries[object].kind,
            SchemaInfoKind::Object { tag: Some(_), .. }
        );
        let Some(union) = names.type_name(&entry.name).filter(|_| is_union) else {
            continue;
        };
        let base = format!("{union}Variant");
        let name = std::iter::once(base.clone())
            .chain((2..).map(|n| format!("{base}{n}")))
            .find(|n| !taken.contains(n))
            .unwrap_or(base);
        taken.insert(name.clone());
        unions.insert(union.to_owned(), name);
    }
    unions
}

/// How many members, values, variants or alternatives the entry at `i` has.
fn size(model: &Model, i: usize) -> usize {
    match &model.entries[i].kind {
        SchemaInfoKind::Object {
            members, variants, ..
        } => members.len() + variants.len(),
        SchemaInfoKind::Enum { members, values } => members
            .as_ref()
            .map_or_else(|| values.as_ref().map_or(0, Vec::len), Vec::len),
        SchemaInfoKind::Alternate { members } => members.len(),
        _ => 0,
    }
}

/// The Rust type name of the entry at `i`, as an identifier.
fn type_name(model: &Model, names: &TypeNames, i: usize) -> Result<Ident> {
    let entry = &model.entries[i];
    let name = names
        .type_name(&entry.name)
        .ok_or_else(|| no_name(i, entry))?;
    ident(name).ok_or_else(|| Error::Entry {
        index: i,
        name: entry.name.clone(),
        message: format!("assigned Rust name `{name}` is not an identifier"),
    })
}

/// Emission state: the plan's shared knowledge plus a cache of its own.
struct Emitter<'p, 'a> {
    model: &'a Model,
    names: &'a TypeNames,
    /// QEMU's documentation, when its reference manual is at hand.
    qemu: Option<&'a QemuDocs<'a>>,
    /// Object entries whose Rust type is a command or event struct (same assigned name).
    absorbed: &'p HashMap<usize, usize>,
    /// The name of each union's variant enum, by the union's Rust name.
    variant_enums: &'p HashMap<String, String>,
    /// The user's attributes for the types their paths select.
    type_attributes: &'a [TypeAttribute],
    /// Which merged schemas have what (bindings merged from several schemas only).
    availability: Option<&'a Availability>,
    /// Parsed Rust type expressions by schema name.
    types: HashMap<String, TokenStream>,
    /// The doc comments of the items emitted so far.
    docs: DocTable,
}

impl<'a> Emitter<'_, 'a> {
    /// The Rust type name of the entry at `i`, as an identifier.
    fn type_name(&self, i: usize) -> Result<Ident> {
        type_name(self.model, self.names, i)
    }

    /// The Rust type for a reference from entry `from` to schema type `target`; boxed when the
    /// reference closes a cycle.
    fn type_ref(&mut self, from: usize, target: &str) -> Result<TokenStream> {
        let ty = match self.types.get(target) {
            Some(ty) => ty.clone(),
            None => {
                let rust = self.names.type_of(target).ok_or_else(|| {
                    let i = self.model.position(target).unwrap_or(from);
                    no_name(i, &self.model.entries[i])
                })?;
                if !rust.is_valid() {
                    return Err(Error::Entry {
                        index: from,
                        name: self.model.entries[from].name.clone(),
                        message: format!("assigned Rust type `{rust}` is not a valid type"),
                    });
                }
                let ty = rust.to_token_stream();
                self.types.insert(target.to_owned(), ty.clone());
                ty
            }
        };
        Ok(if self.model.is_boxed(from, target) {
            quote!(Box<#ty>)
        } else {
            ty
        })
    }

    /// QEMU's definition of the entry at `i`: a command's or event's own, a named type's,
    /// or for an argument object that is a command or event struct, that command's or
    /// event's.
    fn definition(&self, i: usize) -> Option<&'a Definition> {
        let qemu = self.qemu?;
        let owner = self.absorbed.get(&i).copied().unwrap_or(i);
        let name = self.names.qemu_name(&self.model.entries.get(owner)?.name)?;
        qemu.definition(name)
    }

    /// The doc lines of the item of entry `i`: QEMU's description (see
    /// [`QemuDocs::item_lines`]), then `own` (what the generator says), then QEMU's headed
    /// sections (examples, notes).
    fn item_docs(&self, i: usize, own: Vec<String>) -> Vec<String> {
        let (mut head, tail) = match (self.qemu, self.definition(i)) {
            (Some(qemu), Some(def)) => qemu.item_lines(def),
            _ => (Vec::new(), Vec::new()),
        };
        head.extend(own);
        if !tail.is_empty() {
            head.push(String::new());
            head.extend(tail);
            // `item_lines` ends each part with an empty line; the docs end with text.
            while head.last().is_some_and(String::is_empty) {
                head.pop();
            }
        }
        head
    }

    /// QEMU's doc lines for member `wire` of the entry at `owner` (empty when it has none).
    fn qemu_member_lines(&self, owner: usize, wire: &str) -> Vec<String> {
        let (Some(qemu), Some(def)) = (self.qemu, self.definition(owner)) else {
            return Vec::new();
        };
        qemu.member(def, wire)
            .map(|member| qemu.member_lines(member))
            .unwrap_or_default()
    }

    /// `#[doc(alias = ...)]` for each of `aliases` that differs from the item's name, so
    /// rustdoc's search finds the item by its QEMU and wire names.
    fn aliases(ident: &Ident, aliases: &[&str]) -> TokenStream {
        let own = ident.to_string();
        let mut seen: Vec<&str> = Vec::new();
        for alias in aliases {
            if *alias != own && !seen.contains(alias) {
                seen.push(alias);
            }
        }
        quote! { #( #[doc(alias = #seen)] )* }
    }

    /// The user's attributes for the item known by `names` (Rust name first, then QEMU's
    /// name or the wire name, if any).
    fn user_attributes(&self, names: &[&str]) -> Result<TokenStream> {
        type_attributes::for_type(self.type_attributes, names)
    }

    /// The "Available in" line of a command or event (every one, in merged bindings) and
    /// its `available_in = [...]` key; nothing for bindings of one schema.
    fn root_availability(&self, i: usize) -> (Vec<String>, Option<TokenStream>) {
        let Some(availability) = self.availability else {
            return (Vec::new(), None);
        };
        let labels = availability.item_labels(&self.model.entries[i].name);
        (
            vec![format!("Available in: {}.", labels.join(", "))],
            Some(quote!(available_in = [#(#labels),*])),
        )
    }

    /// The "Available in" line of a type that only some merged schemas have.
    fn type_availability(&self, i: usize) -> Vec<String> {
        let Some(availability) = self.availability else {
            return Vec::new();
        };
        let key = &self.model.entries[i].name;
        let labels = availability.item_labels(key);
        if labels.len() == availability.labels(Releases::ALL).len() {
            return Vec::new();
        }
        vec![format!("Available in: {}.", labels.join(", "))]
    }

    /// Where member `wire` of object `owner` is available and required, when not in
    /// every merged schema having the object alike.
    fn member_availability(&self, owner: usize, wire: &str) -> Vec<String> {
        let Some(availability) = self.availability else {
            return Vec::new();
        };
        let Some((present, required)) =
            availability.member_note(&self.model.entries[owner].name, wire)
        else {
            return Vec::new();
        };
        let mut lines = vec![format!(
            "Available in: {}.",
            availability.labels(present).join(", ")
        )];
        let required = availability.labels(required);
        if !required.is_empty() {
            lines.push(format!(
                "Required in: {} (optional here, as not every release requires it: set it \
                 for those releases).",
                required.join(", ")
            ));
        }
        lines
    }

    /// Where value `wire` of enum `owner` is available, when not in every merged schema
    /// having the enum.
    fn value_availability(&self, owner: usize, wire: &str) -> Vec<String> {
        let Some(availability) = self.availability else {
            return Vec::new();
        };
        availability
            .value_note(&self.model.entries[owner].name, wire)
            .map(|present| {
                vec![format!(
                    "Available in: {}.",
                    availability.labels(present).join(", ")
                )]
            })
            .unwrap_or_default()
    }

    /// For union `i` of merged bindings whose tag some schemas do not send: the tag value
    /// such a value is, and those schemas' labels (see [`Availability::tag_absent`]).
    fn tag_absent(&self, i: usize) -> Option<(String, String)> {
        let (case, releases) = self.availability?.tag_absent(&self.model.entries[i].name)?;
        let labels = self.availability?.labels(releases).join(", ");
        Some((case.to_owned(), labels))
    }

    /// Whether the schema type `name` (or, for an array, its element) is deprecated.
    /// An argument object absorbed into a command or event struct counts as deprecated when
    /// that command or event is.
    fn type_deprecated(&self, name: &str) -> bool {
        let name = self.model.element_of(name).unwrap_or(name);
        let Some(i) = self.model.position(name) else {
            return false;
        };
        let own = is_deprecated(&self.model.entries[i].features);
        own || self
            .absorbed
            .get(&i)
            .is_some_and(|&root| is_deprecated(&self.model.entries[root].features))
    }
}

/// Which derives give a struct its serde impls.
#[derive(Clone, Copy)]
enum SerdeDerives {
    /// Named members only: `qmp_types::SerializeObject` and `DeserializeObject`, whose
    /// expansion is a fraction of serde's (most of the bindings' build time is spent on
    /// these impls).
    Lean,
    /// With a flattened field, or a newtype: serde's derives.
    Serde,
}

/// The serde derives (and the `crate` attribute) for a usage, from `which` derives.
fn serde_derives(usage: Usage, which: SerdeDerives) -> (Vec<TokenStream>, TokenStream) {
    let mut derives = Vec::new();
    if usage.input {
        derives.push(match which {
            SerdeDerives::Lean => quote!(::qmp_types::SerializeObject),
            SerdeDerives::Serde => quote!(::qmp_types::serde::Serialize),
        });
    }
    if usage.output {
        derives.push(match which {
            SerdeDerives::Lean => quote!(::qmp_types::DeserializeObject),
            SerdeDerives::Serde => quote!(::qmp_types::serde::Deserialize),
        });
    }
    let krate = if derives.is_empty() {
        TokenStream::new()
    } else {
        quote!(#[serde(crate = "::qmp_types::serde")])
    };
    (derives, krate)
}

/// `#[deprecated]` when `yes`.
fn deprecated_attr(yes: bool) -> TokenStream {
    if yes {
        quote!(#[deprecated])
    } else {
        TokenStream::new()
    }
}

/// `#[allow(deprecated)]` when `yes`.
fn allow_deprecated(yes: bool) -> TokenStream {
    if yes {
        quote!(#[allow(deprecated)])
    } else {
        TokenStream::new()
    }
}

/// `#[allow(clippy::large_enum_variant)]` for an enum whose variants hold generated types
/// (union variants, alternatives, events).
///
/// Variant sizes depend on the schema (`ObjectAddVariant::ThrottleGroup` is 1 KiB, most of its
/// siblings a few hundred bytes), and boxing the big ones would make the API (`Box::new` to
/// build, deref to match) change whenever QEMU grows a type. The values are short-lived
/// messages, so the size is not worth that; the allow keeps crates that `include!` the file
/// clippy-clean under `-D warnings`. (A `reason = ...` needs Rust 1.81, above the MSRV.)
fn allow_large_variants() -> TokenStream {
    quote!(#[allow(clippy::large_enum_variant)])
}

/// An identifier for a (valid) Rust type name.
fn ident(name: &str) -> Option<Ident> {
    // Checked by hand: parsing each name with `syn` costs more than the check.
    crate::ident::is_plain_ident(name).then(|| plain_ident(name))
}

/// A plain identifier for an internal name known to be valid.
fn plain_ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// The error for a type the naming stage left without a name.
fn no_name(index: usize, entry: &SchemaInfo) -> Error {
    Error::Entry {
        index,
        name: entry.name.clone(),
        message: "no Rust name was assigned to this type".to_owned(),
    }
}

/// The first identifier among `Unknown`, `UnknownValue`, `Unknown2`, … not in `taken`: the
/// fallback variant of an enum or union whose own values might be called `unknown`.
fn fallback_ident(taken: &[Ident]) -> Ident {
    let taken: HashSet<String> = taken.iter().map(ToString::to_string).collect();
    ["Unknown".to_owned(), "UnknownValue".to_owned()]
        .into_iter()
        .chain((2..).map(|n| format!("Unknown{n}")))
        .find(|name| !taken.contains(name))
        .map_or_else(|| plain_ident("Unknown"), |name| plain_ident(&name))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::bundled::BUNDLED;
    use crate::model::Selection;

    #[test]
    fn partition_covers_every_item_once_in_order() {
        let (_, json) = BUNDLED.last().copied().unwrap();
        let entries = crate::parse::parse(json).unwrap();
        let names = TypeNames::assign(&entries, &BTreeMap::new()).unwrap();
        let model = Model::build(entries, &Selection::default()).unwrap();
        let plan = Plan::new(&model, &names, None).unwrap();
        assert!(plan.len() > 500, "{}", plan.len());
        for parts in [1, 2, 3, 4, 7, 100_000] {
            let ranges = plan.partition(parts);
            assert!(ranges.len() <= parts && !ranges.is_empty());
            assert!(ranges.iter().all(|r| !r.is_empty()));
            assert_eq!(ranges[0].start, 0);
            assert_eq!(ranges.last().unwrap().end, plan.len());
            assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
        }
        // About equal shares: no part of two holds more than two thirds of the weight.
        let weight = |r: &Range<usize>| plan.jobs[r.clone()].iter().map(|j| j.1).sum::<usize>();
        let total = weight(&(0..plan.len()));
        assert!(plan.partition(2).iter().all(|r| weight(r) * 3 <= total * 2));
    }
}
