//! QEMU's documentation in the generated code: of the commands, events, types, members and
//! enum values of each bundled schema that QEMU's manual documents, at least 98% must carry
//! QEMU's text in the generated rustdoc (found by the first line of each text).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use qmp_build_tools::bundled::{self, BUNDLED};
use qmp_build_tools::engine::{self, Settings};
use qmp_build_tools::naming::reference::match_manual;
use qmp_build_tools::naming::TypeNames;
use qmp_build_tools::reference::{self, Definition};
use qmp_types::introspection::{EnumMember, SchemaInfo, SchemaInfoKind};

/// The first line of prose of Markdown `text`, without code fences, code-span and link marks.
fn first_line(text: &str) -> Option<String> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with("```") && !line.starts_with('#'))?;
    let plain: String = line.chars().filter(|c| !"`[]".contains(*c)).collect();
    Some(plain.chars().take(60).collect())
}

/// The generated code's doc text with link targets and code-span and link marks removed.
fn plain_docs(code: &str) -> String {
    let mut docs = String::with_capacity(code.len());
    for line in code.lines() {
        let Some(doc) = line.trim_start().strip_prefix("///") else {
            continue;
        };
        let doc = doc.trim();
        // `[`X`](Rust)` → `X`.
        let mut rest = doc;
        while let Some(at) = rest.find("](") {
            docs.push_str(&rest[..at]);
            rest = &rest[at + 2..];
            rest = rest.find(')').map_or(rest, |end| &rest[end + 1..]);
        }
        docs.push_str(rest);
        docs.push('\n');
    }
    docs.chars().filter(|c| !"`[]".contains(*c)).collect()
}

/// (documented, carried, what was missed) for one bundled schema.
fn coverage(file: &str, json: &str) -> (usize, usize, Vec<String>) {
    let (name, bytes) = bundled::find_reference(file).expect("a bundled manual");
    let manual = reference::read_bytes(bytes, name).expect("the bundled manual reads");
    let entries: Vec<SchemaInfo> = serde_json::from_str(json).expect("schema");
    let matched = match_manual(&entries, &manual);
    let names = TypeNames::assign_with_reference(&entries, &BTreeMap::new(), Some(&matched))
        .expect("names");
    let settings = Settings {
        reference: Some(Arc::new(manual.clone())),
        ..Settings::default()
    };
    let code = engine::generate(json, file, &settings)
        .expect("generate")
        .code;
    let docs = plain_docs(&code);
    let by_name: BTreeMap<&str, &SchemaInfo> =
        entries.iter().map(|e| (e.name.as_str(), e)).collect();

    // Which definition documents which schema object: named types by QEMU's name, and a
    // command's or event's own argument object by the command or event.
    let mut documented_by: Vec<(&SchemaInfo, &Definition)> = Vec::new();
    for entry in &entries {
        let Some(def) = names
            .qemu_name(&entry.name)
            .and_then(|qemu| manual.definitions.get(qemu))
        else {
            continue;
        };
        documented_by.push((entry, def));
        if let SchemaInfoKind::Command { arg_type, .. } | SchemaInfoKind::Event { arg_type } =
            &entry.kind
        {
            let own = names.type_name(arg_type) == names.type_name(&entry.name);
            if let (true, Some(arg)) = (own, by_name.get(arg_type.as_str())) {
                documented_by.push((arg, def));
            }
        }
    }
    let mut texts: BTreeSet<(String, String)> = BTreeSet::new();
    for (entry, def) in &documented_by {
        if !matches!(entry.kind, SchemaInfoKind::Object { .. })
            || entry.name == def.name
            || names.qemu_name(&entry.name) == Some(def.name.as_str())
        {
            texts.insert((def.name.clone(), def.doc.clone()));
        }
        let documented = manual.members_of(def);
        let doc_of = |wire: &str| {
            documented
                .iter()
                .find(|m| m.name == wire)
                .map(|m| m.doc.clone())
        };
        match &entry.kind {
            SchemaInfoKind::Object { members, .. } => {
                for member in members {
                    if let Some(doc) = doc_of(&member.name) {
                        texts.insert((format!("{}.{}", def.name, member.name), doc));
                    }
                }
            }
            SchemaInfoKind::Enum { members, values } => {
                for value in EnumMember::of(members, values) {
                    if let Some(doc) = doc_of(&value.name) {
                        texts.insert((format!("{}.{}", def.name, value.name), doc));
                    }
                }
            }
            _ => {}
        }
    }
    let mut documented = 0;
    let mut missed = Vec::new();
    for (what, text) in &texts {
        let Some(line) = first_line(text) else {
            continue;
        };
        documented += 1;
        if !docs.contains(&line) {
            missed.push(format!("{what}: {line}"));
        }
    }
    (documented, documented - missed.len(), missed)
}

#[test]
fn qemu_documents_and_the_bindings_carry_at_least_98_percent() {
    for (file, json) in BUNDLED {
        let (documented, carried, missed) = coverage(file, json);
        let percent = 100.0 * carried as f64 / documented as f64;
        println!(
            "{file}: {carried} of {documented} documented items carry QEMU's text ({percent:.2}%)"
        );
        for line in missed.iter().take(20) {
            println!("  missed {line}");
        }
        assert!(
            documented > 3000,
            "{file}: only {documented} documented items found"
        );
        assert!(percent >= 98.0, "{file}: only {percent:.2}%");
    }
}
