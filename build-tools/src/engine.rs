//! The one engine behind every front end: settings + schema text → formatted bindings, running
//! the stages parse → model → naming → emit → format.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use qmp_types::introspection::SchemaInfo;

use crate::error::Result;
use crate::model::{Model, Selection};
use crate::naming::TypeNames;
use crate::{emit, format, parse};

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
}

/// Generates bindings for the schema text `json`; `source` names it in the header.
///
/// # Errors
/// Any stage's error: see [`crate::Error`].
pub fn generate(json: &str, source: &str, settings: &Settings) -> Result<Output> {
    let entries = parse::parse(json)?;
    // Names come from the whole schema, so pruning or dropping unstable items never renames
    // what remains.
    let names = TypeNames::assign(&entries, &settings.renames)?;
    let mut counts: BTreeMap<&'static str, (usize, usize)> = BTreeMap::new();
    for entry in &entries {
        counts.entry(entry.kind.meta_type()).or_default().0 += 1;
    }
    let mut model = Model::build(entries, &settings.selection)?;
    if settings.both_directions {
        model.derive_both_directions();
    }
    for (i, entry) in model.entries.iter().enumerate() {
        if model.is_generated(i) {
            counts.entry(entry.kind.meta_type()).or_default().1 += 1;
        }
    }
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let code = emit_and_format(&model, &names, source, threads.min(MAX_THREADS))?;
    let collisions = names.collisions().iter().map(ToString::to_string).collect();
    Ok(Output {
        code,
        counts,
        collisions,
    })
}

/// Stages 4 and 5, emit and format, which take most of the time: the items are split into
/// consecutive runs ([`CHUNKS_PER_THREAD`] per thread, so threads finish together however
/// the estimated sizes err), which `threads` threads take in turn, each emitting and
/// formatting a run where it lives (token streams cannot cross threads); the formatted runs
/// are joined in order, which gives the same text as one run.
fn emit_and_format(
    model: &Model,
    names: &TypeNames,
    source: &str,
    threads: usize,
) -> Result<String> {
    let plan = emit::Plan::new(model, names)?;
    if threads <= 1 {
        let body = format::body(plan.emit(0..plan.len())?)?;
        return Ok(format::join(source, &[body]));
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
    Ok(format::join(source, &bodies))
}

/// The `names` listing: one `schema name<TAB>Rust type` line per entity, in schema order.
///
/// # Errors
/// Parse and naming errors.
pub fn names(json: &str, renames: &BTreeMap<String, String>) -> Result<String> {
    let entries: Vec<SchemaInfo> = parse::parse(json)?;
    let names = TypeNames::assign(&entries, renames)?;
    let mut out = String::new();
    for (schema, rust) in names.iter() {
        out.push_str(schema);
        out.push('\t');
        out.push_str(&rust);
        out.push('\n');
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
        let one = emit_and_format(&model, &names, file, 1).unwrap();
        let tokens = emit::emit(&model, &names).unwrap();
        assert!(one == format::format(tokens, file).unwrap());
        for threads in [2, 3, 7] {
            let many = emit_and_format(&model, &names, file, threads).unwrap();
            assert!(one == many, "{threads} threads give different output");
        }
    }
}
