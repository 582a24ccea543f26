//! The one engine behind every front end: settings + schema text → formatted bindings, running
//! the stages parse → model → naming → emit → format.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use qmp_types::introspection::SchemaInfo;

use crate::emit::QemuDocs;
use crate::error::Result;
use crate::model::{Model, Selection};
use crate::naming::reference::{match_manual, ReferenceMatch};
use crate::naming::TypeNames;
use crate::reference::{companion, Manual};
use crate::type_attributes::{self, TypeAttribute};
use crate::{emit, format, merge, parse};

/// At most this many threads emit and format (more gain little on the output's size).
const MAX_THREADS: usize = 4;

/// Runs of items per emitting thread: enough for threads to even out, few enough that the
/// per-run overhead stays small.
const CHUNKS_PER_THREAD: usize = 8;

/// What to generate; filled by [`crate::Config`] and the CLI.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// Which items to generate.
    pub selection: Selection,
    /// Renames: schema name or assigned Rust name → chosen Rust name.
    pub renames: BTreeMap<String, String>,
    /// Derive both `Serialize` and `Deserialize` on every type, instead of only the direction
    /// it travels in (which builds about twice as fast).
    pub both_directions: bool,
    /// QEMU's reference manual for the schema: QEMU's type names and documentation.
    pub reference: Option<Arc<Manual>>,
    /// Attributes (and derives) added to the generated types each path selects, in order.
    pub type_attributes: Vec<TypeAttribute>,
}

/// Generated bindings and figures about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The formatted Rust source.
    pub code: String,
    /// Per `meta-type`: (entries in the schema, entries represented in the output).
    pub counts: BTreeMap<&'static str, (usize, usize)>,
    /// The naming collisions that were resolved, one readable line each.
    pub collisions: Vec<String>,
    /// With a reference manual: how many masked types got QEMU's name, of how many named
    /// types there are (objects with members, enums, alternates, commands' and events'
    /// own argument objects excluded).
    pub qemu_named: Option<(usize, usize)>,
    /// With a reference manual: what it could not name or disagreed on, one line each.
    pub reference_notes: Vec<String>,
    /// What the user should see even without asking: the reference manual's own problems
    /// (file and line) and a manual of another program than the schema's.
    pub warnings: Vec<String>,
    /// Merges only: every member (return type, variant, …) whose type differs between the
    /// schemas, with the type chosen, one readable line each.
    pub type_changes: Vec<String>,
}

/// Generates bindings for the schema text `json`; `source` names it in the header.
///
/// # Errors
/// Any stage's error: see [`crate::Error`].
pub fn generate(json: &str, source: &str, settings: &Settings) -> Result<Output> {
    generate_parsed(parse::parse(json)?, source, settings)
}

/// Parses the schema text `json` (stage 1) while `meanwhile` runs on another thread (reading
/// the reference manual takes about as long as the rest of the work before emitting), and
/// returns both results.
pub fn parse_while<T: Send>(
    json: &str,
    meanwhile: impl FnOnce() -> T + Send,
) -> (Result<Vec<SchemaInfo>>, T) {
    std::thread::scope(|scope| {
        let other = scope.spawn(meanwhile);
        let entries = parse::parse(json);
        let other = other
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (entries, other)
    })
}

/// Generates bindings for the parsed schema `entries` (see [`generate`]).
///
/// # Errors
/// Any stage's error after parsing: see [`crate::Error`].
pub fn generate_parsed(
    entries: Vec<SchemaInfo>,
    source: &str,
    settings: &Settings,
) -> Result<Output> {
    type_attributes::check(&settings.type_attributes)?;
    let reference = settings.reference.as_deref();
    let matched = reference.map(|manual| match_manual(&entries, manual));
    // Names come from the whole schema, so pruning or dropping unstable items never renames
    // what remains.
    let names = TypeNames::assign_with_reference(&entries, &settings.renames, matched.as_ref())?;
    let qemu_named = matched.as_ref().map(|m| named_share(&entries, &names, m));
    let mut warnings = Vec::new();
    if let Some(manual) = reference {
        warnings.extend(manual_warnings(manual, &entries));
    }
    let mut output = generate_named(
        entries,
        &names,
        Named {
            source,
            reference,
            availability: None,
        },
        settings,
    )?;
    output.qemu_named = qemu_named;
    output.reference_notes = matched.map(|m| m.notes).unwrap_or_default();
    output.warnings = warnings;
    Ok(output)
}

/// One schema of a merge (see [`generate_merged`]).
#[derive(Debug, Clone)]
pub struct SchemaSource {
    /// The parsed entries.
    pub entries: Vec<SchemaInfo>,
    /// Where they come from (a file name), for the header and messages.
    pub source: String,
    /// The QEMU release (`10.0.2`: from the `.version` sidecar or the file name), which
    /// labels the schema in docs and `AVAILABLE_IN`; `None` labels it by `source`.
    pub release: Option<String>,
    /// Its reference manual, if any.
    pub reference: Option<Arc<Manual>>,
}

/// Generates one module covering every schema of `schemas` (releases, or targets of one
/// release), merged as [`crate::Config::schemas`] describes; QEMU's documentation comes from the manual of the
/// last schema that has one. One schema gives the same bindings as [`generate_parsed`].
/// `settings.reference` is not used (each schema brings its own); `settings.renames` apply
/// to the merged names (Rust names or command and event names: masked names differ between
/// schemas).
///
/// # Errors
/// [`crate::Error::NoSchemas`] for none, [`crate::Error::MixedPrograms`] for schemas of
/// different programs, and every stage's error.
pub fn generate_merged(schemas: Vec<SchemaSource>, settings: &Settings) -> Result<Output> {
    let mut schemas = schemas;
    if schemas.len() == 1 {
        if let Some(one) = schemas.pop() {
            let settings = Settings {
                reference: one.reference,
                ..settings.clone()
            };
            return generate_parsed(one.entries, &one.source, &settings);
        }
    }
    type_attributes::check(&settings.type_attributes)?;
    let prepared = prepare_merge(schemas)?;
    let merged = merge::merge(&prepared.inputs)?;
    let names = merged_names(&merged, &settings.renames)?;
    let source = prepared
        .inputs
        .iter()
        .map(|i| i.source.as_str())
        .collect::<Vec<_>>()
        .join(" + ");
    let mut output = generate_named(
        merged.entries,
        &names,
        Named {
            source: &source,
            reference: prepared.manual.as_deref(),
            availability: Some(&merged.availability),
        },
        settings,
    )?;
    output.collisions.splice(0..0, merged.collisions);
    output.type_changes = merged
        .type_changes
        .iter()
        .map(ToString::to_string)
        .collect();
    output.warnings = prepared.warnings;
    output.reference_notes = prepared.notes;
    Ok(output)
}

/// The schemas of a merge, each named on its own, and what that produced besides.
struct Prepared {
    inputs: Vec<merge::Input>,
    /// The last manual given: QEMU's documentation of the merged module.
    manual: Option<Arc<Manual>>,
    warnings: Vec<String>,
    notes: Vec<String>,
}

/// Labels and names every schema of a merge on its own.
fn prepare_merge(schemas: Vec<SchemaSource>) -> Result<Prepared> {
    let labels: Vec<String> = schemas
        .iter()
        .map(|s| s.release.clone().unwrap_or_else(|| s.source.clone()))
        .collect();
    let mut prepared = Prepared {
        inputs: Vec::with_capacity(schemas.len()),
        manual: None,
        warnings: Vec::new(),
        notes: Vec::new(),
    };
    for (i, schema) in schemas.into_iter().enumerate() {
        // Two targets of one release: the release alone does not tell them apart.
        let shared = labels.iter().filter(|l| **l == labels[i]).count() > 1;
        let label = if shared {
            schema.source.trim_end_matches(".json").to_owned()
        } else {
            labels[i].clone()
        };
        let manual = schema.reference.as_deref();
        let matched = manual.map(|m| match_manual(&schema.entries, m));
        let names =
            TypeNames::assign_with_reference(&schema.entries, &BTreeMap::new(), matched.as_ref())?;
        if let Some(manual) = manual {
            prepared
                .warnings
                .extend(manual_warnings(manual, &schema.entries));
        }
        if let Some(matched) = matched {
            prepared.notes.extend(
                matched
                    .notes
                    .into_iter()
                    .map(|note| format!("{}: {note}", schema.source)),
            );
        }
        if schema.reference.is_some() {
            prepared.manual = schema.reference;
        }
        prepared.inputs.push(merge::Input {
            label,
            source: schema.source,
            entries: schema.entries,
            names,
        });
    }
    Ok(prepared)
}

/// The names of the merged schema: QEMU's where a schema's manual gave them, each other
/// type's per-schema name, then the user's renames over both.
fn merged_names(merged: &merge::Merged, renames: &BTreeMap<String, String>) -> Result<TypeNames> {
    let mut all = merged.renames.clone();
    for (key, value) in renames {
        // A user's name replaces the per-schema name held under that name or key.
        all.retain(|k, v| k != key && v != key);
        all.insert(key.clone(), value.clone());
    }
    Ok(TypeNames::assign_with_reference(
        &merged.entries,
        &all,
        Some(&merged.qemu_names),
    )?)
}

/// The reference manual's own problems (file and line) and a manual of another program
/// than the schema's.
fn manual_warnings(manual: &Manual, entries: &[SchemaInfo]) -> Vec<String> {
    manual
        .warnings
        .iter()
        .map(|w| format!("{}:{}: {}", manual.source, w.line, w.message))
        .chain(companion::program_mismatch(manual, entries))
        .collect()
}

/// What [`generate_named`] needs besides the entries and names.
struct Named<'a> {
    /// The schema file(s), for the header.
    source: &'a str,
    /// QEMU's documentation.
    reference: Option<&'a Manual>,
    /// Which merged schemas have what (merges only).
    availability: Option<&'a merge::Availability>,
}

/// Stages 2 to 5 (model, emit, format) for named entries.
fn generate_named(
    entries: Vec<SchemaInfo>,
    names: &TypeNames,
    named: Named<'_>,
    settings: &Settings,
) -> Result<Output> {
    let mut counts: BTreeMap<&'static str, (usize, usize)> = BTreeMap::new();
    for entry in &entries {
        counts.entry(entry.kind.meta_type()).or_default().0 += 1;
    }
    let reference = named.reference;
    let mut model = Model::build(entries, &settings.selection)?;
    if settings.both_directions {
        model.derive_both_directions();
    }
    for (i, entry) in model.entries.iter().enumerate() {
        if model.is_generated(i) {
            counts.entry(entry.kind.meta_type()).or_default().1 += 1;
        }
    }
    let docs = reference.map(|manual| QemuDocs::new(manual, &model, names));
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let manual_name = reference.map(|manual| {
        let path = std::path::Path::new(&manual.source);
        path.file_name().map_or_else(
            || manual.source.clone(),
            |n| n.to_string_lossy().into_owned(),
        )
    });
    let origin = format::Origin {
        schema: named.source,
        reference: manual_name
            .as_deref()
            .map(|name| (name, reference.and_then(|m| m.version.as_deref()))),
    };
    let code = emit_and_format(
        &model,
        names,
        docs.as_ref(),
        &settings.type_attributes,
        named.availability,
        origin,
        threads.min(MAX_THREADS),
    )?;
    Ok(Output {
        code,
        counts,
        collisions: names.collisions().iter().map(ToString::to_string).collect(),
        qemu_named: None,
        reference_notes: Vec::new(),
        warnings: Vec::new(),
        type_changes: Vec::new(),
    })
}

/// How many of the schema's named types (objects with members, enums, alternates; not the
/// argument objects that are command or event structs) got a QEMU name, of how many.
fn named_share(
    entries: &[qmp_types::introspection::SchemaInfo],
    names: &TypeNames,
    matched: &ReferenceMatch,
) -> (usize, usize) {
    use qmp_types::introspection::SchemaInfoKind;
    // Argument objects that are their command's or event's struct (same Rust name).
    let implicit: std::collections::BTreeSet<&str> = entries
        .iter()
        .filter_map(|root| match &root.kind {
            SchemaInfoKind::Command { arg_type, .. } | SchemaInfoKind::Event { arg_type } => {
                let own = names.type_name(&root.name)?;
                (names.type_name(arg_type) == Some(own)).then_some(arg_type.as_str())
            }
            _ => None,
        })
        .collect();
    let mut total = 0;
    let mut named = 0;
    for entry in entries {
        let nameable = match &entry.kind {
            SchemaInfoKind::Object {
                members, variants, ..
            } => !members.is_empty() || !variants.is_empty(),
            SchemaInfoKind::Enum { .. } | SchemaInfoKind::Alternate { .. } => true,
            _ => false,
        };
        if nameable && !implicit.contains(entry.name.as_str()) {
            total += 1;
            if matched.names.contains_key(&entry.name) {
                named += 1;
            }
        }
    }
    (named, total)
}

/// Stages 4 and 5, emit and format, which take most of the time: the items are split into
/// consecutive runs ([`CHUNKS_PER_THREAD`] per thread, so threads finish together however
/// the estimated sizes err), which `threads` threads take in turn, each emitting and
/// formatting a run where it lives (token streams cannot cross threads); the formatted runs
/// are joined in order, which gives the same text as one run.
fn emit_and_format(
    model: &Model,
    names: &TypeNames,
    docs: Option<&QemuDocs<'_>>,
    type_attributes: &[TypeAttribute],
    availability: Option<&merge::Availability>,
    origin: format::Origin<'_>,
    threads: usize,
) -> Result<String> {
    let plan = emit::Plan::new(model, names, docs)?
        .with_type_attributes(type_attributes)
        .with_availability(availability);
    if threads <= 1 {
        let body = format::body(plan.emit(0..plan.len())?)?;
        return Ok(format::join(origin, &[body]));
    }
    let ranges = plan.partition(threads * CHUNKS_PER_THREAD);
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(range) = ranges.get(i) else {
                return done;
            };
            done.push((i, plan.emit(range.clone()).and_then(format::body)));
        }
    };
    let mut bodies: Vec<(usize, Result<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(worker)).collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p))
            })
            .collect()
    });
    bodies.sort_by_key(|(i, _)| *i);
    let bodies = bodies
        .into_iter()
        .map(|(_, body)| body)
        .collect::<Result<Vec<_>>>()?;
    Ok(format::join(origin, &bodies))
}

/// The `names` listing: one `schema name<TAB>Rust type` line per entity, in schema order.
///
/// # Errors
/// Parse and naming errors.
pub fn names(json: &str, renames: &BTreeMap<String, String>) -> Result<String> {
    names_with_reference(json, renames, None)
}

/// The `names` listing (see [`names`]) with QEMU's names from `reference` where it gives
/// them.
///
/// # Errors
/// Parse and naming errors.
pub fn names_with_reference(
    json: &str,
    renames: &BTreeMap<String, String>,
    reference: Option<&Manual>,
) -> Result<String> {
    let entries: Vec<SchemaInfo> = parse::parse(json)?;
    let matched = reference.map(|manual| match_manual(&entries, manual));
    let names = TypeNames::assign_with_reference(&entries, renames, matched.as_ref())?;
    let mut out = String::new();
    for (schema, rust) in names.iter() {
        out.push_str(schema);
        out.push('\t');
        out.push_str(&rust);
        out.push('\n');
    }
    Ok(out)
}

/// The `names` listing of a merge (see [`generate_merged`]): one
/// `release<TAB>schema name<TAB>Rust type` line per entity of each schema, schemas in the
/// order given, entities in schema order; the Rust type is the merged module's (for a type
/// replaced by a unification, the replacing type's; `-` for one only that type used).
///
/// # Errors
/// [`crate::Error::NoSchemas`], [`crate::Error::MixedPrograms`], naming errors.
pub fn merged_names_listing(
    schemas: Vec<SchemaSource>,
    renames: &BTreeMap<String, String>,
) -> Result<String> {
    let prepared = prepare_merge(schemas)?;
    let merged = merge::merge(&prepared.inputs)?;
    let names = merged_names(&merged, renames)?;
    let mut out = String::new();
    for (input, keys) in prepared.inputs.iter().zip(&merged.keys) {
        for entry in &input.entries {
            let key = keys.get(&entry.name).unwrap_or(&entry.name);
            let key = merged.replaced.get(key).unwrap_or(key);
            let rust = names.rust_type(key).unwrap_or_else(|| "-".to_owned());
            out.push_str(&format!("{}\t{}\t{rust}\n", input.label, entry.name));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundled::BUNDLED;

    #[test]
    fn output_does_not_depend_on_the_number_of_threads() {
        let (file, json) = BUNDLED.last().copied().unwrap();
        let entries = parse::parse(json).unwrap();
        let names = TypeNames::assign(&entries, &BTreeMap::new()).unwrap();
        let model = Model::build(entries, &Selection::default()).unwrap();
        let origin = format::Origin {
            schema: file,
            reference: None,
        };
        let one = emit_and_format(&model, &names, None, &[], None, origin, 1).unwrap();
        let emitted = emit::emit(&model, &names).unwrap();
        assert!(one == format::format(emitted, origin).unwrap());
        for threads in [2, 3, 7] {
            let many = emit_and_format(&model, &names, None, &[], None, origin, threads).unwrap();
            assert!(one == many, "{threads} threads give different output");
        }
    }
}
