//! Generates, for each bundled QEMU release (`schemas/`), with the builder a user would use:
//!
//! - `qmp_<release>.rs`: the bindings for every command and event, with one addition made
//!   here: every decode-only type also derives `Serialize`, which the strict checker
//!   (`qmp_types::strict`) needs to re-serialise answers (generated output types are
//!   `Deserialize` only);
//! - `qmp_<release>_queries.rs`: every command whose name starts with `query-` or `x-query-`
//!   and that needs no arguments (all members optional), as a list of wire names and as a
//!   function handing each command's *typed* value to a `QueryVisitor`;
//! - `qmp_<release>_events.rs`: a strict check of a decoded `Event` against its raw data, one
//!   match arm per event type.

use std::collections::BTreeMap;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::{env, fs};

use qmp_types::introspection::{SchemaInfo, SchemaInfoKind};
use syn::punctuated::Punctuated;
use syn::{Item, Token};

/// (module name, schema file) per bundled release.
const RELEASES: [(&str, &str); 2] = [
    ("qmp_7_2", "qemu-7.2.22-x86_64.json"),
    ("qmp_10_0", "qemu-10.0.2-x86_64.json"),
];

fn main() -> Result<(), Box<dyn Error>> {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?);
    let out = PathBuf::from(env::var("OUT_DIR")?);
    for (module, file) in RELEASES {
        let schema = manifest.join("../../schemas").join(file);
        let code = qmp_build_tools::Config::new().schema(&schema).generate()?;
        println!("cargo:rerun-if-changed={}", schema.display());
        let mut bindings = syn::parse_file(&code)?;
        let event_types = add_serialize(&mut bindings.items)?;
        write(
            &out.join(format!("{module}.rs")),
            &prettyplease::unparse(&bindings),
        )?;
        let json = fs::read_to_string(&schema)?;
        let queries = queries(&json)?;
        write(
            &out.join(format!("{module}_queries.rs")),
            &queries_code(&queries),
        )?;
        write(
            &out.join(format!("{module}_events.rs")),
            &events_code(&event_types),
        )?;
    }
    Ok(())
}

/// Adds `Serialize` to every derive list that has `Deserialize` but not `Serialize`, and
/// returns the variants of the `Event` enum as (variant, inner type) pairs.
fn add_serialize(items: &mut [Item]) -> syn::Result<Vec<(String, String)>> {
    let mut events = Vec::new();
    for item in items {
        let attrs = match item {
            Item::Struct(item) => &mut item.attrs,
            Item::Enum(item) => {
                if item.ident == "Event" {
                    for variant in &item.variants {
                        if let Some(field) = variant.fields.iter().next() {
                            let ty = &field.ty;
                            events
                                .push((variant.ident.to_string(), quote::quote!(#ty).to_string()));
                        }
                    }
                }
                &mut item.attrs
            }
            Item::Mod(item) => {
                if let Some((_, items)) = &mut item.content {
                    events.extend(add_serialize(items)?);
                }
                continue;
            }
            _ => continue,
        };
        for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
            let mut paths =
                attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)?;
            let has = |paths: &Punctuated<syn::Path, Token![,]>, name: &str| {
                paths
                    .iter()
                    .any(|p| p.segments.last().is_some_and(|s| s.ident == name))
            };
            if has(&paths, "Deserialize") && !has(&paths, "Serialize") {
                paths.push(syn::parse_quote!(::qmp_types::serde::Serialize));
                attr.meta = syn::parse_quote!(derive(#paths));
            }
        }
    }
    Ok(events)
}

/// The no-argument `query-`/`x-query-` commands of a schema, in schema order, with the Rust
/// type the generator names each.
fn queries(json: &str) -> Result<Vec<(String, String)>, Box<dyn Error>> {
    let entries: Vec<SchemaInfo> = qmp_types::serde_json::from_str(json)?;
    let by_name: BTreeMap<&str, &SchemaInfo> =
        entries.iter().map(|e| (e.name.as_str(), e)).collect();
    let listing = qmp_build_tools::engine::names(json, &BTreeMap::new())?;
    let rust: BTreeMap<&str, &str> = listing
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .collect();
    let mut queries = Vec::new();
    for entry in &entries {
        let SchemaInfoKind::Command { arg_type, .. } = &entry.kind else {
            continue;
        };
        if !(entry.name.starts_with("query-") || entry.name.starts_with("x-query-")) {
            continue;
        }
        let no_arguments = match by_name.get(arg_type.as_str()).map(|a| &a.kind) {
            Some(SchemaInfoKind::Object { members, tag, .. }) => {
                tag.is_none() && members.iter().all(|m| m.is_optional())
            }
            _ => false,
        };
        if no_arguments {
            let ty = rust
                .get(entry.name.as_str())
                .ok_or_else(|| format!("no Rust name for command `{}`", entry.name))?;
            queries.push((entry.name.clone(), (*ty).to_owned()));
        }
    }
    Ok(queries)
}

fn queries_code(queries: &[(String, String)]) -> String {
    let mut code = String::from(
        "/// Wire names of the commands that start with `query-` or `x-query-` and need no \
         arguments, in schema order.\npub const NAMES: &[&str] = &[\n",
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
        "/// Strictly compares a decoded event with the raw `data` it was decoded from (no \
         `data` compares as `{}`); an event the bindings do not know is one fallback finding.\n\
         ///\n/// # Errors\n/// When the event's type does not serialise.\n\
         #[allow(deprecated)]\n\
         pub fn strict_event(event: &super::Event, data: &::qmp_types::serde_json::Value) \
         -> ::std::result::Result<::std::vec::Vec<::qmp_types::strict::Finding>, \
         ::qmp_types::strict::StrictError> {\n\
         let empty = ::qmp_types::serde_json::Value::Object(::std::default::Default::default());\n\
         let data = if data.is_null() { &empty } else { data };\n\
         match event {\n",
    );
    for (variant, ty) in events {
        if ty.contains("UnknownEvent") {
            code.push_str(&format!(
                "    super::Event::{variant}(unknown) => ::std::result::Result::Ok(::std::vec![\
                 ::qmp_types::strict::Finding {{ path: \"$\".into(), kind: \
                 ::qmp_types::strict::FindingKind::Fallback {{ variant: \
                 ::std::format!(\"unknown event {{}}\", unknown.name) }} }}]),\n"
            ));
        } else {
            code.push_str(&format!(
                "    super::Event::{variant}(inner) => ::qmp_types::strict::check_value(data, inner),\n"
            ));
        }
    }
    code.push_str("}\n}\n");
    code
}

/// Writes `text` unless the file already holds it (no needless rebuilds).
fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    fs::write(path, text)
}
