//! Evaluating a parsed [`Query`] against a [`SchemaIndex`]: the walk from the root entry through
//! members, variants, arrays and alternates.

use super::query::{Query, Step};
use super::SchemaIndex;
use crate::introspection::{EnumMember, JsonType, SchemaInfo, SchemaInfoKind};

/// How many steps that consume no query component (array elements, alternate branches) may
/// follow each other. Well-formed schemas need at most two; the bound stops a malformed schema
/// whose arrays or alternates refer to each other in a loop.
const MAX_TRANSPARENT_HOPS: usize = 16;

/// Where the walk stands: the current entry, plus the features of the member or enum value
/// that led to it (a `$feature` step looks at both).
struct Position<'a> {
    entry: &'a SchemaInfo,
    selected_features: &'a [String],
    transparent_hops: usize,
}

/// The entry a query resolves to, or `None` when the query does not hold.
///
/// A query ending in a boolean step (`^value`, `!type`, `$feature`) resolves to the entry that
/// step was checked against.
pub(super) fn resolve<'a>(index: &'a SchemaIndex, query: &Query) -> Option<&'a SchemaInfo> {
    let entry = index.get(&query.root)?;
    walk(
        index,
        Position {
            entry,
            selected_features: &[],
            transparent_hops: 0,
        },
        &query.steps,
    )
}

fn walk<'a>(index: &'a SchemaIndex, at: Position<'a>, steps: &[Step]) -> Option<&'a SchemaInfo> {
    let Some((step, rest)) = steps.split_first() else {
        return Some(at.entry);
    };
    let here = match (&at.entry.kind, step) {
        (_, Step::Feature(feature)) => (at.entry.features.contains(feature)
            || at.selected_features.contains(feature))
        .then_some(at.entry),
        (kind, Step::JsonType(wanted)) => (json_type_of(kind) == Some(*wanted)).then_some(at.entry),
        (SchemaInfoKind::Command { arg_type, .. } | SchemaInfoKind::Event { arg_type }, step)
            if is_plain(step, "arg-type") =>
        {
            enter(index, arg_type, &[], rest)
        }
        (SchemaInfoKind::Command { ret_type, .. }, step) if is_plain(step, "ret-type") => {
            enter(index, ret_type, &[], rest)
        }
        (SchemaInfoKind::Object { members, .. }, Step::Member { name, optional }) => members
            .iter()
            .find(|m| &m.name == name && (m.is_optional() || !optional))
            .and_then(|m| enter(index, &m.type_, &m.features, rest)),
        (SchemaInfoKind::Object { variants, .. }, Step::Variant(case)) => variants
            .iter()
            .find(|v| &v.case == case)
            .and_then(|v| enter(index, &v.type_, &[], rest)),
        (SchemaInfoKind::Enum { members, values }, Step::EnumValue { value, feature }) => {
            EnumMember::of(members, values)
                .iter()
                .any(|m| {
                    &m.name == value && feature.as_ref().map_or(true, |f| m.features.contains(f))
                })
                .then_some(at.entry)
        }
        _ => None,
    };
    // Arrays and alternates are transparent: a step that does not apply to them applies to
    // their element type or to any of their branches.
    here.or_else(|| match &at.entry.kind {
        SchemaInfoKind::Array { element_type } => transparent(index, &at, element_type, steps),
        SchemaInfoKind::Alternate { members } => members
            .iter()
            .find_map(|member| transparent(index, &at, &member.type_, steps)),
        _ => None,
    })
}

/// Whether `step` is the plain (not `*`-optional) member step `name`.
fn is_plain(step: &Step, wanted: &str) -> bool {
    matches!(step, Step::Member { name, optional: false } if name == wanted)
}

/// The JSON type a value of this kind has on the wire (`None` for alternates, commands, events).
fn json_type_of(kind: &SchemaInfoKind) -> Option<JsonType> {
    match kind {
        SchemaInfoKind::Builtin { json_type } => Some(*json_type),
        SchemaInfoKind::Enum { .. } => Some(JsonType::String),
        SchemaInfoKind::Object { .. } => Some(JsonType::Object),
        SchemaInfoKind::Array { .. } => Some(JsonType::Array),
        SchemaInfoKind::Alternate { .. }
        | SchemaInfoKind::Command { .. }
        | SchemaInfoKind::Event { .. } => None,
    }
}

/// Continues the walk at the type `name`, consuming one step (`rest` is what remains).
fn enter<'a>(
    index: &'a SchemaIndex,
    name: &str,
    selected_features: &'a [String],
    rest: &[Step],
) -> Option<&'a SchemaInfo> {
    let entry = index.get(name)?;
    walk(
        index,
        Position {
            entry,
            selected_features,
            transparent_hops: 0,
        },
        rest,
    )
}

/// Continues the walk at the type `name` without consuming a step (array element, alternate
/// branch), keeping the features of the member that led here.
fn transparent<'a>(
    index: &'a SchemaIndex,
    at: &Position<'a>,
    name: &str,
    steps: &[Step],
) -> Option<&'a SchemaInfo> {
    if at.transparent_hops >= MAX_TRANSPARENT_HOPS {
        return None;
    }
    let entry = index.get(name)?;
    walk(
        index,
        Position {
            entry,
            selected_features: at.selected_features,
            transparent_hops: at.transparent_hops + 1,
        },
        steps,
    )
}
