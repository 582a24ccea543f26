//! Generates, for each bundled QEMU release (`schemas/`) and each bundled guest-agent release
//! (`schemas/guest-agent/`, modules `qga_<release>`), with the builder a user would use:
//!
//! - `qmp_<release>.rs`: the bindings for every command and event, with `Serialize` and
//!   `Deserialize` on every type (`Config::both_directions`), which the strict checker
//!   (`qmp_types::strict`) needs to re-serialise answers;
//! - `qmp_<release>_queries.rs`: every command whose name starts with `query-` or `x-query-`
//!   (for the agent: `guest-info` and `guest-get-*`) and that needs no arguments (all members optional), as a list of wire names and as a
//!   function handing each command's *typed* value to a `QueryVisitor`;
//! - `qmp_<release>_events.rs`: a strict check of an event's raw data against the event's
//!   type, one match arm per event;
//! - `qmp_merged.rs`: one module for both releases (`Config::schemas`), with the queries of
//!   each release and the events of both, as above.

use std::collections::BTreeMap;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::{env, fs};

use qmp_types::introspection::{SchemaInfo, SchemaInfoKind};

/// (module name, schema file) per bundled release.
const RELEASES: [(&str, &str); 2] = [
    ("qmp_7_2", "qemu-7.2.22-x86_64.json"),
    ("qmp_10_0", "qemu-10.0.2-x86_64.json"),
];

/// (module name, schema file) per bundled guest-agent release (`schemas/guest-agent/`, made
/// from the agent's manual).
const AGENT_RELEASES: [(&str, &str); 2] = [
    ("qga_7_2", "guest-agent/qemu-ga-7.2.22.json"),
    ("qga_10_0", "guest-agent/qemu-ga-10.0.2.json"),
];

/// The QMP commands a sweep calls: `query-*` and `x-query-*`.
fn is_qmp_query(name: &str) -> bool {
    name.starts_with("query-") || name.starts_with("x-query-")
}

/// The guest-agent commands a sweep calls: `guest-info` and `guest-get-*`, which only read.
fn is_agent_query(name: &str) -> bool {
    name == "guest-info" || name.starts_with("guest-get-")
}

fn main() -> Result<(), Box<dyn Error>> {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?);
    let out = PathBuf::from(env::var("OUT_DIR")?);
    let releases = RELEASES
        .map(|(module, file)| (module, file, is_qmp_query as fn(&str) -> bool))
        .into_iter()
        .chain(
            AGENT_RELEASES.map(|(module, file)| (module, file, is_agent_query as fn(&str) -> bool)),
        );
    for (module, file, is_query) in releases {
        let schema = manifest.join("../../schemas").join(file);
        qmp_build_tools::Config::new()
            .schema(&schema)
            .both_directions(true)
            .out_dir(&out)
            .file_name(format!("{module}.rs"))
            .write()?;
        let json = fs::read_to_string(&schema)?;
        let entries: Vec<SchemaInfo> = qmp_types::serde_json::from_str(&json)?;
        // The names `Config` gave: QEMU's, from the manual stored beside the schema.
        let manual = qmp_build_tools::reference::companion::companion_of(&schema)
            .map(|path| qmp_build_tools::reference::read(&path))
            .transpose()?;
        let listing = qmp_build_tools::engine::names_with_reference(
            &json,
            &BTreeMap::new(),
            manual.as_ref(),
        )?;
        let rust: BTreeMap<&str, &str> = listing
            .lines()
            .filter_map(|line| line.split_once('\t'))
            .collect();
        write(
            &out.join(format!("{module}_queries.rs")),
            &queries_code(&queries(&entries, &rust, is_query)?),
        )?;
        write(
            &out.join(format!("{module}_events.rs")),
            &events_code(&events(&entries, &rust)?),
        )?;
    }
    merged(&manifest, &out)?;
    Ok(())
}

/// One module for both QEMU releases (`qmp_merged.rs`), with the no-argument queries of each
/// release (`qmp_merged_queries_<release>.rs`: what a sweep of that release calls) and a
/// strict check per event of either release (`qmp_merged_events.rs`).
fn merged(manifest: &Path, out: &Path) -> Result<(), Box<dyn Error>> {
    let schemas: Vec<PathBuf> = RELEASES
        .iter()
        .map(|(_, file)| manifest.join("../../schemas").join(file))
        .collect();
    qmp_build_tools::Config::new()
        .schemas(&schemas)
        .both_directions(true)
        .out_dir(out)
        .file_name("qmp_merged.rs")
        .write()?;
    let mut sources = Vec::new();
    let mut release_entries = Vec::new();
    for schema in &schemas {
        let json = fs::read_to_string(schema)?;
        let entries: Vec<SchemaInfo> = qmp_types::serde_json::from_str(&json)?;
        let manual = qmp_build_tools::reference::companion::companion_of(schema)
            .map(|path| qmp_build_tools::reference::read(&path))
            .transpose()?
            .map(std::sync::Arc::new);
        release_entries.push(entries.clone());
        sources.push(qmp_build_tools::engine::SchemaSource {
            entries,
            source: schema.display().to_string(),
            release: qmp_build_tools::reference::companion::schema_release(schema),
            reference: manual,
        });
    }
    // `release<TAB>schema name<TAB>merged Rust type`, per release in the order given.
    let listing = qmp_build_tools::engine::merged_names_listing(sources, &BTreeMap::new())?;
    let mut all_events: Vec<(String, String)> = Vec::new();
    for (((module, _), entries), label) in RELEASES
        .iter()
        .zip(&release_entries)
        .zip(["7.2.22", "10.0.2"])
    {
        let rust: BTreeMap<&str, &str> = listing
            .lines()
            .filter_map(|line| {
                let (release, rest) = line.split_once('\t')?;
                (release == label).then(|| rest.split_once('\t'))?
            })
            .collect();
        let suffix = module.trim_start_matches("qmp_");
        write(
            &out.join(format!("qmp_merged_queries_{suffix}.rs")),
            &queries_code(&queries(entries, &rust, is_qmp_query)?),
        )?;
        for event in events(entries, &rust)? {
            if !all_events.contains(&event) {
                all_events.push(event);
            }
        }
    }
    write(&out.join("qmp_merged_events.rs"), &events_code(&all_events))?;
    Ok(())
}

/// The Rust type the generator names the command or event `name`.
fn rust_type(rust: &BTreeMap<&str, &str>, name: &str) -> Result<String, Box<dyn Error>> {
    rust.get(name)
        .map(|ty| (*ty).to_owned())
        .ok_or_else(|| format!("no Rust name for `{name}`").into())
}

/// Every event of a schema, in schema order, with its Rust type.
fn events(
    entries: &[SchemaInfo],
    rust: &BTreeMap<&str, &str>,
) -> Result<Vec<(String, String)>, Box<dyn Error>> {
    entries
        .iter()
        .filter(|e| matches!(e.kind, SchemaInfoKind::Event { .. }))
        .map(|e| Ok((e.name.clone(), rust_type(rust, &e.name)?)))
        .collect()
}

/// The no-argument commands of a schema that `is_query` accepts, in schema order, with the
/// Rust type the generator names each.
fn queries(
    entries: &[SchemaInfo],
    rust: &BTreeMap<&str, &str>,
    is_query: fn(&str) -> bool,
) -> Result<Vec<(String, String)>, Box<dyn Error>> {
    let by_name: BTreeMap<&str, &SchemaInfo> =
        entries.iter().map(|e| (e.name.as_str(), e)).collect();
    let mut queries = Vec::new();
    for entry in entries {
        let SchemaInfoKind::Command { arg_type, .. } = &entry.kind else {
            continue;
        };
        if !is_query(&entry.name) {
            continue;
        }
        let no_arguments = match by_name.get(arg_type.as_str()).map(|a| &a.kind) {
            Some(SchemaInfoKind::Object { members, tag, .. }) => {
                tag.is_none() && members.iter().all(|m| m.is_optional())
            }
            _ => false,
        };
        if no_arguments {
            queries.push((entry.name.clone(), rust_type(rust, &entry.name)?));
        }
    }
    Ok(queries)
}

fn queries_code(queries: &[(String, String)]) -> String {
    let mut code = String::from(
        "/// Wire names of the commands that only read (`query-*`, `x-query-*`; for the guest \
         agent `guest-info`, `guest-get-*`) and need no arguments, in schema order.\n\
         pub const NAMES: &[&str] = &[\n",
    );
    for (name, _) in queries {
        code.push_str(&format!("    {name:?},\n"));
    }
    code.push_str(
        "];\n\n/// Hands the typed value of each command of [`NAMES`] (all members unset) to \
         `visitor`, in the same order.\n#[allow(deprecated)]\npub fn visit_all<V: \
         crate::sweep::QueryVisitor>(visitor: &mut V) {\n",
    );
    for (_, ty) in queries {
        code.push_str(&format!("    visitor.visit(super::{ty}::new());\n"));
    }
    code.push_str("}\n");
    code
}

fn events_code(events: &[(String, String)]) -> String {
    let mut code = String::from(
        "/// Strictly checks the raw `data` of a decoded event against the event's type (no \
         `data` checks as `{}`); an event the bindings do not know is one fallback finding.\n\
         ///\n/// # Errors\n/// When the data does not decode or the event's type does not \
         serialise.\n\
         #[allow(deprecated)]\n\
         pub fn strict_event(event: &super::Event, data: &::qmp_types::serde_json::Value) \
         -> ::std::result::Result<::std::vec::Vec<::qmp_types::strict::Finding>, \
         ::qmp_types::strict::StrictError> {\n\
         let empty = ::qmp_types::serde_json::Value::Object(::std::default::Default::default());\n\
         let data = if data.is_null() { &empty } else { data };\n\
         match ::qmp_types::EventSet::name(event) {\n",
    );
    for (name, ty) in events {
        code.push_str(&format!(
            "    {name:?} => ::qmp_types::strict::check::<super::{ty}>(data).map(|(_, findings)| findings),\n"
        ));
    }
    code.push_str(
        "    name => ::std::result::Result::Ok(::std::vec![::qmp_types::strict::Finding { \
         path: \"$\".into(), kind: ::qmp_types::strict::FindingKind::Fallback { variant: \
         ::std::format!(\"unknown event {name}\") } }]),\n}\n}\n",
    );
    code
}

/// Writes `text` unless the file already holds it (no needless rebuilds).
fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    fs::write(path, text)
}
