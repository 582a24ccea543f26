//! Review listings of the names assigned for each bundled schema (`iter()`, one
//! `schema name → Rust type` line per entity, in schema order), so that every naming change
//! shows up in review. Update with `cargo insta review` (or `INSTA_UPDATE=always`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use qmp_build_tools::bundled;
use qmp_build_tools::naming::reference::match_manual;
use qmp_build_tools::naming::TypeNames;
use qmp_build_tools::reference;
use qmp_types::introspection::SchemaInfo;

/// The listing with names from use sites (`with_manual` false) or with QEMU's names from the
/// bundled reference manual.
fn listing(version: &str, with_manual: bool) -> String {
    let path = format!(
        "{}/../schemas/qemu-{version}-x86_64.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let entries: Vec<SchemaInfo> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let file = format!("qemu-{version}-x86_64.json");
    let matched = with_manual.then(|| {
        let (name, bytes) = bundled::find_reference(&file).expect("a bundled manual");
        let manual = reference::read_bytes(bytes, name).unwrap_or_else(|e| panic!("{e}"));
        match_manual(&entries, &manual)
    });
    let names = TypeNames::assign_with_reference(&entries, &BTreeMap::new(), matched.as_ref())
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = String::new();
    for ((name, rust), entry) in names.iter().zip(&entries) {
        let _ = writeln!(out, "{:<9} {name} → {rust}", entry.kind.meta_type());
    }
    out
}

fn snapshot(version: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::assert_snapshot!(format!("names-{version}"), listing(version, false));
        insta::assert_snapshot!(format!("qemu-names-{version}"), listing(version, true));
    });
}

#[test]
fn names_for_7_2_match_the_review_listings() {
    snapshot("7.2.22");
}

#[test]
fn names_for_10_0_match_the_review_listings() {
    snapshot("10.0.2");
}
