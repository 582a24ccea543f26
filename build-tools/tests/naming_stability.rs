//! Cross-release stability of type names: of the schema paths present in both bundled
//! schemas (QEMU 7.2.22 and 10.0.2), at least 98% must map to the same Rust type with names
//! from use sites, and at least 99.7% with QEMU's names from the bundled reference manuals
//! (paths where QEMU itself renamed the type aside: those are real API changes).
//!
//! A path starts at a command's `arg`/`ret` type or an event's `data` type and walks through
//! members (`.name`), union variants (`|case`), array elements (`[]`) and alternatives
//! (`/kind`), never entering a type already on the path.

use std::collections::{BTreeMap, BTreeSet};

use qmp_build_tools::bundled;
use qmp_build_tools::naming::reference::match_manual;
use qmp_build_tools::naming::TypeNames;
use qmp_build_tools::reference;
use qmp_types::introspection::{SchemaInfo, SchemaInfoKind};

/// One bundled schema: its entries and their names.
struct Release {
    entries: Vec<SchemaInfo>,
    names: TypeNames,
}

impl Release {
    fn load(file: &str) -> Release {
        let path = format!("{}/../schemas/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let entries: Vec<SchemaInfo> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        let names =
            TypeNames::assign(&entries, &BTreeMap::new()).unwrap_or_else(|e| panic!("{path}: {e}"));
        Release { entries, names }
    }

    /// The bundled schema `file` named with its bundled reference manual.
    fn load_with_reference(file: &str) -> Release {
        let Release { entries, .. } = Release::load(file);
        let (name, bytes) = bundled::find_reference(file).expect("a bundled manual");
        let manual = reference::read_bytes(bytes, name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let matched = match_manual(&entries, &manual);
        let names = TypeNames::assign_with_reference(&entries, &BTreeMap::new(), Some(&matched))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        Release { entries, names }
    }

    /// Every path of the schema → QEMU's name of the type at its end, where it has one.
    fn qemu_paths(&self) -> BTreeMap<String, String> {
        let by_name: BTreeMap<&str, &SchemaInfo> =
            self.entries.iter().map(|e| (e.name.as_str(), e)).collect();
        self.paths_with(by_name, |names, ty| names.qemu_name(ty).map(str::to_owned))
    }

    /// Every path of the schema → the Rust type at its end.
    fn paths(&self) -> BTreeMap<String, String> {
        let by_name: BTreeMap<&str, &SchemaInfo> =
            self.entries.iter().map(|e| (e.name.as_str(), e)).collect();
        self.paths_with(by_name, |names, ty| names.rust_type(ty))
    }

    /// Every path of the schema → what `label` says of the type at its end (paths where it
    /// says nothing are left out).
    fn paths_with<'a>(
        &'a self,
        by_name: BTreeMap<&'a str, &'a SchemaInfo>,
        label: fn(&TypeNames, &str) -> Option<String>,
    ) -> BTreeMap<String, String> {
        let mut walker = Walker {
            by_name,
            names: &self.names,
            label,
            stack: BTreeSet::new(),
            out: BTreeMap::new(),
        };
        for entry in &self.entries {
            match &entry.kind {
                SchemaInfoKind::Command {
                    arg_type, ret_type, ..
                } => {
                    walker.walk(format!("{}:arg", entry.name), arg_type);
                    walker.walk(format!("{}:ret", entry.name), ret_type);
                }
                SchemaInfoKind::Event { arg_type } => {
                    walker.walk(format!("{}:data", entry.name), arg_type);
                }
                _ => {}
            }
        }
        walker.out
    }
}

/// Depth-first path enumeration.
struct Walker<'a> {
    by_name: BTreeMap<&'a str, &'a SchemaInfo>,
    names: &'a TypeNames,
    label: fn(&TypeNames, &str) -> Option<String>,
    stack: BTreeSet<&'a str>,
    out: BTreeMap<String, String>,
}

impl<'a> Walker<'a> {
    fn walk(&mut self, path: String, type_name: &'a str) {
        if let Some(label) = (self.label)(self.names, type_name) {
            self.out.insert(path.clone(), label);
        }
        let Some(entry) = self.by_name.get(type_name).copied() else {
            return;
        };
        if !self.stack.insert(type_name) {
            return;
        }
        match &entry.kind {
            SchemaInfoKind::Array { element_type } => self.walk(format!("{path}[]"), element_type),
            SchemaInfoKind::Object {
                members, variants, ..
            } => {
                for member in members {
                    self.walk(format!("{path}.{}", member.name), &member.type_);
                }
                for variant in variants {
                    self.walk(format!("{path}|{}", variant.case), &variant.type_);
                }
            }
            SchemaInfoKind::Alternate { members } => {
                for member in members {
                    let kind = self
                        .by_name
                        .get(member.type_.as_str())
                        .map_or(member.type_.as_str(), |e| e.kind.meta_type());
                    self.walk(format!("{path}/{kind}"), &member.type_);
                }
            }
            _ => {}
        }
        self.stack.remove(type_name);
    }
}

/// Builtin Rust types (and arrays of them), which are stable by construction.
fn is_builtin(rust: &str) -> bool {
    let inner = rust.trim_start_matches("Vec<").trim_end_matches('>');
    matches!(
        inner,
        "i128" | "f64" | "String" | "bool" | "()" | "::qmp_types::serde_json::Value"
    )
}

#[test]
fn names_are_stable_between_7_2_and_10_0() {
    let old = Release::load("qemu-7.2.22-x86_64.json").paths();
    let new = Release::load("qemu-10.0.2-x86_64.json").paths();
    let common: Vec<(&String, &String, &String)> = old
        .iter()
        .filter_map(|(path, rust)| new.get(path).map(|other| (path, rust, other)))
        .collect();
    let same = common.iter().filter(|(_, a, b)| a == b).count();
    let percent = 100.0 * same as f64 / common.len() as f64;
    println!(
        "paths in both: {}, same name: {same} ({percent:.2}%)",
        common.len()
    );
    let named: Vec<_> = common.iter().filter(|(_, a, _)| !is_builtin(a)).collect();
    let named_same = named.iter().filter(|(_, a, b)| a == b).count();
    let named_percent = 100.0 * named_same as f64 / named.len() as f64;
    println!(
        "of them ending at a named type in 7.2: {}, same name: {named_same} ({named_percent:.2}%)",
        named.len()
    );
    for (path, a, b) in common.iter().filter(|(_, a, b)| a != b) {
        println!("  {path}: {a} -> {b}");
    }
    // The bundled schemas have thousands of shared paths; a walk that found few would make
    // the percentage meaningless.
    assert!(common.len() > 5000, "only {} shared paths", common.len());
    assert!(
        percent >= 98.0,
        "only {percent:.2}% of shared paths keep their name"
    );
    assert!(
        named_percent >= 98.0,
        "only {named_percent:.2}% of shared paths to named types keep their name"
    );
}

#[test]
fn qemu_names_are_stable_between_7_2_and_10_0_but_for_qemu_renames() {
    let old_release = Release::load_with_reference("qemu-7.2.22-x86_64.json");
    let new_release = Release::load_with_reference("qemu-10.0.2-x86_64.json");
    let (old, new) = (old_release.paths(), new_release.paths());
    let (old_qemu, new_qemu) = (old_release.qemu_paths(), new_release.qemu_paths());
    // Where both releases' manuals name the type at a path, and the names differ, QEMU
    // renamed the type: a real API change, not instability of ours.
    let renamed = |path: &str| match (old_qemu.get(path), new_qemu.get(path)) {
        (Some(a), Some(b)) => a != b,
        _ => false,
    };
    let common: Vec<(&String, &String, &String)> = old
        .iter()
        .filter(|(path, _)| !renamed(path))
        .filter_map(|(path, rust)| new.get(path).map(|other| (path, rust, other)))
        .collect();
    let same = common.iter().filter(|(_, a, b)| a == b).count();
    let percent = 100.0 * same as f64 / common.len() as f64;
    let renames: BTreeSet<(&String, &String)> = old_qemu
        .iter()
        .filter_map(|(path, a)| new_qemu.get(path).filter(|b| *b != a).map(|b| (a, b)))
        .collect();
    println!(
        "with QEMU's names: paths in both: {}, same name: {same} ({percent:.2}%); \
         QEMU renamed {} types:",
        common.len(),
        renames.len()
    );
    for (a, b) in &renames {
        println!("  QEMU rename: {a} -> {b}");
    }
    for (path, a, b) in common.iter().filter(|(_, a, b)| a != b) {
        println!("  {path}: {a} -> {b}");
    }
    assert!(common.len() > 5000, "only {} shared paths", common.len());
    assert!(
        percent >= 99.7,
        "only {percent:.2}% of shared paths keep their name"
    );
    // The renames the issue names are among them (QEMU 9.1 shortened the crypto names).
    assert!(
        renames
            .iter()
            .any(|(a, b)| a.as_str() == "QCryptoCipherAlgorithm"
                && b.as_str() == "QCryptoCipherAlgo"),
        "{renames:?}"
    );
}
