//! Every Rust name assigned for the bundled schemas is a valid, unreserved identifier, names
//! exactly the entities that need one, and is held by one type only (a command or event and
//! the argument object that *is* its struct count as one type).

use std::collections::BTreeMap;

use qmp_build_tools::naming::{TypeNames, RESERVED};
use qmp_types::introspection::{SchemaInfo, SchemaInfoKind};

fn load(file: &str) -> (Vec<SchemaInfo>, TypeNames) {
    let path = format!("{}/../schemas/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let entries: Vec<SchemaInfo> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let names =
        TypeNames::assign(&entries, &BTreeMap::new()).unwrap_or_else(|e| panic!("{path}: {e}"));
    (entries, names)
}

/// Whether the entity needs a Rust name of its own.
fn needs_name(entry: &SchemaInfo) -> bool {
    match &entry.kind {
        SchemaInfoKind::Command { .. }
        | SchemaInfoKind::Event { .. }
        | SchemaInfoKind::Enum { .. }
        | SchemaInfoKind::Alternate { .. } => true,
        SchemaInfoKind::Object {
            members, variants, ..
        } => !members.is_empty() || !variants.is_empty(),
        SchemaInfoKind::Builtin { .. } | SchemaInfoKind::Array { .. } => false,
    }
}

/// The argument type of a command or event.
fn arg_type(entry: &SchemaInfo) -> Option<&str> {
    match &entry.kind {
        SchemaInfoKind::Command { arg_type, .. } | SchemaInfoKind::Event { arg_type } => {
            Some(arg_type)
        }
        _ => None,
    }
}

fn check(file: &str) {
    let (entries, names) = load(file);
    let mut holders: BTreeMap<&str, Vec<&SchemaInfo>> = BTreeMap::new();
    for entry in &entries {
        let name = names.type_name(&entry.name);
        assert_eq!(
            name.is_some(),
            needs_name(entry),
            "{file}: `{}` ({}) has name {name:?}",
            entry.name,
            entry.kind.meta_type()
        );
        let rust = names
            .rust_type(&entry.name)
            .unwrap_or_else(|| panic!("{file}: `{}` has no Rust type", entry.name));
        assert!(
            syn::parse_str::<syn::Type>(&rust).is_ok(),
            "{file}: `{}` → `{rust}` is not a Rust type",
            entry.name
        );
        if let Some(name) = name {
            assert!(
                syn::parse_str::<syn::Ident>(name).is_ok() && !name.starts_with("r#"),
                "{file}: `{}` → `{name}` is not a plain identifier",
                entry.name
            );
            assert!(
                !RESERVED.contains(&name),
                "{file}: `{}` got reserved `{name}`",
                entry.name
            );
            assert_eq!(rust, name, "{file}: a named type's Rust type is its name");
            holders.entry(name).or_default().push(entry);
        }
    }
    for name in ["Event", "Option", "Vec", "String", "Box", "Result", "Self"] {
        assert!(RESERVED.contains(&name), "`{name}` must be reserved");
    }
    let mut shared = 0;
    for (name, group) in &holders {
        if group.len() == 1 {
            continue;
        }
        // The only allowed sharing: a command/event and the argument object it owns.
        assert_eq!(
            group.len(),
            2,
            "{file}: `{name}` is held by {}",
            group.len()
        );
        let owner = group.iter().find(|e| arg_type(e).is_some());
        let object = group.iter().find(|e| arg_type(e).is_none());
        match (owner, object) {
            (Some(owner), Some(object)) => {
                assert_eq!(
                    arg_type(owner),
                    Some(object.name.as_str()),
                    "{file}: `{name}`"
                );
                shared += 1;
            }
            _ => panic!("{file}: `{name}` is held by two unrelated entities"),
        }
    }
    let roots = entries.iter().filter(|e| arg_type(e).is_some()).count();
    println!(
        "{file}: {} names for {} entities, {shared} commands/events are their argument object, \
         {} collisions resolved",
        holders.len(),
        entries.len(),
        names.collisions().len()
    );
    for collision in names.collisions() {
        println!("  {collision}");
    }
    assert!(
        shared > 0 && shared < roots,
        "{file}: {shared} of {roots} own their arguments"
    );
}

#[test]
fn names_for_7_2_are_unique_valid_identifiers() {
    check("qemu-7.2.22-x86_64.json");
}

#[test]
fn names_for_10_0_are_unique_valid_identifiers() {
    check("qemu-10.0.2-x86_64.json");
}
