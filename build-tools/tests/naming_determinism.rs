//! Masked numbers are keys, never part of a name: renumbering every masked type of a bundled
//! schema and reversing the entry order yields the same Rust types.

use std::collections::BTreeMap;

use qmp_build_tools::naming::TypeNames;
use qmp_types::introspection::{SchemaInfo, SchemaInfoKind};

fn load(file: &str) -> Vec<SchemaInfo> {
    let path = format!("{}/../schemas/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A different masking of the same schema: `"17"` → `"100017"` reversed digit order is not
/// needed, any injective change of the numbers will do.
fn remask(name: &str) -> String {
    match name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        Some(inner) => format!("[{}]", remask(inner)),
        None if name.bytes().all(|b| b.is_ascii_digit()) => match name.parse::<u64>() {
            Ok(n) => (1_000_000 - n).to_string(),
            Err(e) => panic!("masked name {name}: {e}"),
        },
        None => name.to_owned(),
    }
}

fn remasked(entries: &[SchemaInfo]) -> Vec<SchemaInfo> {
    let mut out: Vec<SchemaInfo> = entries.to_vec();
    for entry in &mut out {
        entry.name = remask(&entry.name);
        match &mut entry.kind {
            SchemaInfoKind::Command {
                arg_type, ret_type, ..
            } => {
                *arg_type = remask(arg_type);
                *ret_type = remask(ret_type);
            }
            SchemaInfoKind::Event { arg_type } => *arg_type = remask(arg_type),
            SchemaInfoKind::Array { element_type } => *element_type = remask(element_type),
            SchemaInfoKind::Object {
                members, variants, ..
            } => {
                members.iter_mut().for_each(|m| m.type_ = remask(&m.type_));
                variants.iter_mut().for_each(|v| v.type_ = remask(&v.type_));
            }
            SchemaInfoKind::Alternate { members } => {
                members.iter_mut().for_each(|m| m.type_ = remask(&m.type_));
            }
            SchemaInfoKind::Builtin { .. } | SchemaInfoKind::Enum { .. } => {}
        }
    }
    out.reverse();
    out
}

fn check(file: &str) {
    let entries = load(file);
    let original = TypeNames::assign(&entries, &BTreeMap::new()).expect("original names");
    let other = TypeNames::assign(&remasked(&entries), &BTreeMap::new()).expect("remasked names");
    let mut compared = 0;
    for (name, rust) in original.iter() {
        assert_eq!(
            other.rust_type(&remask(name)).as_deref(),
            Some(rust.as_str()),
            "{file}: `{name}`"
        );
        compared += 1;
    }
    assert_eq!(compared, entries.len());
    let again = TypeNames::assign(&entries, &BTreeMap::new()).expect("names again");
    assert!(
        original.iter().eq(again.iter()),
        "{file}: naming twice differs"
    );
}

#[test]
fn names_for_7_2_do_not_depend_on_masking_or_order() {
    check("qemu-7.2.22-x86_64.json");
}

#[test]
fn names_for_10_0_do_not_depend_on_masking_or_order() {
    check("qemu-10.0.2-x86_64.json");
}
