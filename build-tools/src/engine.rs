//! The one engine behind every front end: settings + schema text → formatted bindings, running
//! the stages parse → model → naming → emit → format.

use std::collections::BTreeMap;

use qmp_types::introspection::SchemaInfo;

use crate::error::Result;
use crate::model::{Model, Selection};
use crate::naming::TypeNames;
use crate::{emit, format, parse};

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
    let tokens = emit::emit(&model, &names)?;
    let code = format::format(tokens, source)?;
    let collisions = names.collisions().iter().map(ToString::to_string).collect();
    Ok(Output {
        code,
        counts,
        collisions,
    })
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
