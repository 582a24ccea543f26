//! Merged bindings of several schemas (issue 11): the bundled 7.2.22 + 10.0.2 x86_64 pair
//! merged into one module, what differs between them, and bad input.

use std::sync::Arc;

use quote::ToTokens;

use qmp_build_tools::engine::{generate_merged, Output, SchemaSource, Settings};
use qmp_build_tools::reference::{self, Manual};
use qmp_build_tools::{bundled, Error};

/// A bundled schema with its bundled manual, labelled by the release in its name.
fn bundled_source(file: &str) -> SchemaSource {
    let (_, json) = bundled::find(file).expect("bundled schema");
    let manual: Option<Arc<Manual>> = bundled::find_reference(file)
        .map(|(name, bytes)| Arc::new(reference::read_bytes(bytes, name).expect("manual")));
    SchemaSource {
        entries: serde_json::from_str(json).expect("schema parses"),
        source: file.to_owned(),
        release: qmp_build_tools::reference::companion::release_in_name(file),
        reference: manual,
    }
}

/// The two bundled QEMU releases merged, each with its manual.
fn bundled_pair() -> Output {
    generate_merged(
        vec![
            bundled_source("qemu-7.2.22-x86_64.json"),
            bundled_source("qemu-10.0.2-x86_64.json"),
        ],
        &Settings::default(),
    )
    .expect("the bundled pair merges")
}

#[test]
fn bundled_pair_type_changes() {
    let output = bundled_pair();
    // Run with `--nocapture` for the list (also `qmp-codegen generate A B --verbose`).
    for change in &output.type_changes {
        println!("{change}");
    }
    let has = |needle: &str| output.type_changes.iter().any(|c| c.contains(needle));
    assert!(has(
        "`BlockJobInfo.type`: `str` in 7.2.22; `JobType` in 10.0.2 → `JobType`"
    ));
    assert!(has("`BlockdevCreateOptionsLUKS.cipher-alg`: `QCryptoCipherAlgorithm` in 7.2.22; `QCryptoCipherAlgo` in 10.0.2 → `QCryptoCipherAlgo`"));
    // 7.2.22's `SevInfo` is a struct without the tag of 10.0.2's union `SevInfo`.
    assert!(has(
        "`SevInfo.sev-type`: `absent` in 7.2.22; `tag` in 10.0.2 → `absent = sev`"
    ));
    assert!(output
        .code
        .contains("#[qmp(tag_absent)]\n    Untagged(SevGuestInfo),"));
    assert!(!has("`any`"), "{:#?}", output.type_changes);
    let code = &output.code;
    // Commands of one release carry it, as docs and as `Command::AVAILABLE_IN`.
    assert!(
        code.contains(r#"name = "query-audiodevs""#),
        "no query-audiodevs"
    );
    assert!(code.contains(r#"available_in = ["10.0.2"]"#));
    assert!(code.contains(r#"available_in = ["7.2.22"]"#));
    assert!(code.contains(r#"available_in = ["7.2.22", "10.0.2"]"#));
    assert!(code.contains("/// Available in: 7.2.22."));
    // The renamed enum holds both releases' values.
    assert!(code.contains("pub enum QCryptoCipherAlgo {"));
    // The type it replaced is gone: one type per role, not one per release.
    assert!(!code.contains("QCryptoCipherAlgorithm"));
}

/// Commands and events chosen for the snapshot: in both releases, only in 7.2.22, only in
/// 10.0.2, renamed argument types, a command whose struct name collides.
const CHOSEN_ROOTS: &[&str] = &[
    "query-status",
    "query-block",
    "query-block-jobs",
    "blockdev-add",
    "nbd-server-start",
    "query-machines",
    "x-query-profile",
    "query-audiodevs",
    "blockdev-set-active",
    "block-dirty-bitmap-add",
    "stop",
    "STOP",
    "JOB_STATUS_CHANGE",
    "MEM_UNPLUG_ERROR",
    "VFIO_MIGRATION",
];

/// Types whose members (or values) differ between the releases, for the snapshot.
const CHOSEN_TYPES: &[&str] = &["BlockJobInfo", "QueryMachines", "QCryptoCipherAlgo"];

/// The "Available in" / "Required in" lines of an item's docs, joined.
fn availability(attrs: &[syn::Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(text),
                    ..
                }) => Some(text.value()),
                _ => None,
            },
            _ => None,
        })
        .filter(|line| line.contains("Available in:") || line.contains("Required in:"))
        .map(|line| {
            line.trim()
                .split(" (")
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The chosen items of the merged code: each command and event as `wire → struct
/// [available_in]`, each chosen type's members or values with their availability.
fn listing(code: &str) -> String {
    let file = syn::parse_file(code).expect("generated code parses");
    let mut roots = std::collections::BTreeMap::new();
    let mut types = Vec::new();
    for item in &file.items {
        let (ident, attrs, members) = match item {
            syn::Item::Struct(s) => (
                s.ident.to_string(),
                &s.attrs,
                s.fields
                    .iter()
                    .filter_map(|f| Some((f.ident.as_ref()?.to_string(), availability(&f.attrs))))
                    .collect::<Vec<_>>(),
            ),
            syn::Item::Enum(e) => (
                e.ident.to_string(),
                &e.attrs,
                e.variants
                    .iter()
                    .map(|v| (v.ident.to_string(), availability(&v.attrs)))
                    .collect(),
            ),
            _ => continue,
        };
        if let Some(qmp) = attrs.iter().find(|a| a.path().is_ident("qmp")) {
            let tokens = qmp.meta.to_token_stream().to_string();
            let wire = tokens
                .split("name = \"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap_or_default()
                .to_owned();
            let available = tokens
                .split("available_in = ")
                .nth(1)
                .map_or("?", |rest| rest.trim_end_matches(')').trim());
            roots.insert(wire, format!("{ident} {}", available.replace(" , ", ", ")));
        }
        if CHOSEN_TYPES.contains(&ident.as_str()) {
            types.push((ident, members));
        }
    }
    let mut out = String::new();
    for wire in CHOSEN_ROOTS {
        let item = roots.get(*wire).map_or("absent", String::as_str);
        out.push_str(&format!("{wire} → {item}\n"));
    }
    types.sort();
    for (ty, members) in types {
        for (member, available) in members {
            let available = if available.is_empty() {
                "every release"
            } else {
                &available
            };
            out.push_str(&format!("{ty}.{member}: {available}\n"));
        }
    }
    out
}

#[test]
fn merged_items_snapshot() {
    let output = bundled_pair();
    insta::assert_snapshot!("merged-7.2.22-10.0.2", listing(&output.code));
}

#[test]
fn empty_list_and_mixed_programs_are_refused() {
    let err = generate_merged(Vec::new(), &Settings::default()).unwrap_err();
    assert!(matches!(err, Error::NoSchemas), "{err}");
    assert!(err.to_string().contains("at least one schema"), "{err}");
    let agent = SchemaSource {
        reference: None,
        ..bundled_source("qemu-ga-10.0.2.json")
    };
    let err = generate_merged(
        vec![bundled_source("qemu-10.0.2-x86_64.json"), agent],
        &Settings::default(),
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::MixedPrograms { .. }), "{message}");
    assert!(
        message.contains("qemu-ga-10.0.2.json (the guest agent (qemu-ga))"),
        "{message}"
    );
    assert!(
        message.contains("qemu-10.0.2-x86_64.json (a system emulator"),
        "{message}"
    );
}
