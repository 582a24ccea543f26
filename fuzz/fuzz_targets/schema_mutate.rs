//! Fuzz target, structure-aware: a slice of a bundled real schema (the commands and events the
//! fuzzer picks, with every type they reach) with fuzzer-chosen mutations applied to its
//! entries: members and entries renamed to Rust keywords, to names that collide after case
//! conversion, to downstream `__com.example_` names; retyped members (cycles, nonsense), deep
//! recursion chains, huge enums, emptied objects, odd tags, variants and alternatives, removed
//! or replaced keys. Generation must give bindings or a clear error: never a panic, and never
//! the "generated code does not parse" internal error.
#![no_main]

use std::collections::{BTreeSet, HashSet, VecDeque};

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use qmp_build_tools::bundled::BUNDLED;
use qmp_build_tools::engine::{self, Settings};
use qmp_build_tools::Error;
use serde_json::{json, Map, Value};

/// Names that are Rust keywords, prelude or std names, or names the generator itself uses.
const KEYWORDS: &[&str] = &[
    "type",
    "self",
    "Self",
    "super",
    "crate",
    "fn",
    "match",
    "async",
    "await",
    "dyn",
    "try",
    "yield",
    "abstract",
    "union",
    "macro_rules",
    "r#type",
    "_",
    "__",
    "",
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "Box",
    "String",
    "Vec",
    "Default",
    "Unknown",
    "Event",
    "std",
    "core",
    "serde",
    "qmp_types",
    "new",
    "static",
    "ref",
    "loop",
    "gen",
    "impl",
    "struct",
    "enum",
];

/// Names that collide with each other after case conversion, or are odd spellings.
const COLLIDING: &[&str] = &[
    "foo-bar",
    "foo_bar",
    "fooBar",
    "FooBar",
    "FOO_BAR",
    "foo--bar",
    "foo__bar",
    "Foo-Bar",
    "foo-bar-",
    "-foo-bar",
    "foo.bar",
    "foo bar",
    "1foo",
    "123",
    "0",
    "a",
    "A",
    "q_obj_foo",
    "x-foo",
    "foo-",
    "__foo",
    "Foo",
    "foo",
    "FOO",
    "é",
    "ß-ss",
    "\u{130}",
];

/// Downstream extension names as QAPI spells them.
const DOWNSTREAM: &[&str] = &[
    "__com.example_foo",
    "__com.example_foo-bar",
    "__org.qemu_x-bar",
    "__com.redhat_drive-add",
    "__com.example_Foo",
    "__com.example_FOO_BAR",
];

#[derive(Debug, Arbitrary)]
enum Name {
    Keyword(u8),
    Colliding(u8),
    Downstream(u8),
    Masked(u16),
    Raw(String),
}

impl Name {
    fn text(&self) -> String {
        let pick = |list: &[&str], i: u8| list[usize::from(i) % list.len()].to_owned();
        match self {
            Name::Keyword(i) => pick(KEYWORDS, *i),
            Name::Colliding(i) => pick(COLLIDING, *i),
            Name::Downstream(i) => pick(DOWNSTREAM, *i),
            Name::Masked(n) => n.to_string(),
            Name::Raw(text) => text.chars().take(40).collect(),
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Key {
    Name,
    MetaType,
    Members,
    Values,
    Tag,
    Variants,
    ArgType,
    RetType,
    ElementType,
    AllowOob,
    Features,
    JsonType,
}

impl Key {
    fn text(&self) -> &'static str {
        match self {
            Key::Name => "name",
            Key::MetaType => "meta-type",
            Key::Members => "members",
            Key::Values => "values",
            Key::Tag => "tag",
            Key::Variants => "variants",
            Key::ArgType => "arg-type",
            Key::RetType => "ret-type",
            Key::ElementType => "element-type",
            Key::AllowOob => "allow-oob",
            Key::Features => "features",
            Key::JsonType => "json-type",
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Text(Name),
    EmptyArray,
    EmptyObject,
}

impl Scalar {
    fn value(&self) -> Value {
        match self {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => json!(b),
            Scalar::Int(n) => json!(n),
            Scalar::Text(name) => json!(name.text()),
            Scalar::EmptyArray => json!([]),
            Scalar::EmptyObject => json!({}),
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Mutation {
    RenameMember {
        entry: u16,
        member: u8,
        name: Name,
    },
    RenameEntry {
        entry: u16,
        name: Name,
        update_references: bool,
    },
    RenameEnumValue {
        entry: u16,
        value: u8,
        name: Name,
    },
    HugeEnum {
        entry: u16,
        count: u16,
        name: Name,
    },
    ClearMembers {
        entry: u16,
    },
    RetypeMember {
        entry: u16,
        member: u8,
        target: u16,
    },
    ToggleOptional {
        entry: u16,
        member: u8,
    },
    DuplicateMember {
        entry: u16,
        member: u8,
    },
    RemoveEntry {
        entry: u16,
    },
    RemoveKey {
        entry: u16,
        key: Key,
    },
    SetKey {
        entry: u16,
        key: Key,
        value: Scalar,
    },
    AddFeature {
        entry: u16,
        member: Option<u8>,
        deprecated: bool,
    },
    SetTag {
        entry: u16,
        member: u8,
    },
    AddVariant {
        entry: u16,
        case: Name,
        target: u16,
    },
    AddAlternative {
        entry: u16,
        target: u16,
    },
    Chain {
        entry: u16,
        member: u8,
        depth: u16,
    },
    Retarget {
        entry: u16,
        key: Key,
        target: u16,
    },
}

#[derive(Debug)]
struct Input {
    schema: usize,
    roots: Vec<u16>,
    mutations: Vec<Mutation>,
    exclude_unstable: bool,
    only_roots: bool,
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let schema = u.choose_index(BUNDLED.len())?;
        let roots = (0..u.int_in_range(1..=3u8)?)
            .map(|_| u.arbitrary())
            .collect::<arbitrary::Result<_>>()?;
        let exclude_unstable = u.arbitrary()?;
        let only_roots = u.ratio(1, 4)?;
        let mut mutations = Vec::new();
        while mutations.len() < 24 && !u.is_empty() {
            mutations.push(u.arbitrary()?);
        }
        Ok(Input {
            schema,
            roots,
            mutations,
            exclude_unstable,
            only_roots,
        })
    }
}

/// The parsed bundled schemas, parsed once per process.
fn schemas() -> &'static [Vec<Value>] {
    static SCHEMAS: std::sync::OnceLock<Vec<Vec<Value>>> = std::sync::OnceLock::new();
    SCHEMAS.get_or_init(|| {
        BUNDLED
            .iter()
            .map(|(file, json)| match serde_json::from_str(json) {
                Ok(Value::Array(entries)) => entries,
                _ => panic!("bundled schema {file} is not a JSON array"),
            })
            .collect()
    })
}

/// Type names an entry refers to.
fn references(entry: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["arg-type", "ret-type", "element-type"] {
        if let Some(name) = entry.get(key).and_then(Value::as_str) {
            out.push(name.to_owned());
        }
    }
    for list in ["members", "variants"] {
        for item in entry
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = item.get("type").and_then(Value::as_str) {
                out.push(name.to_owned());
            }
        }
    }
    out
}

/// The chosen commands and events with every entry they reach, in schema order.
fn slice(entries: &[Value], roots: &[u16]) -> (Vec<Value>, Vec<String>) {
    let roots_available: Vec<&Value> = entries
        .iter()
        .filter(|e| matches!(e["meta-type"].as_str(), Some("command" | "event")))
        .collect();
    let mut wanted: HashSet<String> = HashSet::new();
    let mut queue: VecDeque<String> = VecDeque::new();
    let mut root_commands = Vec::new();
    for &root in roots {
        let entry = roots_available[usize::from(root) % roots_available.len()];
        let name = entry["name"].as_str().unwrap_or_default().to_owned();
        if entry["meta-type"] == "command" {
            root_commands.push(name.clone());
        }
        queue.push_back(name);
    }
    let by_name: std::collections::HashMap<&str, &Value> = entries
        .iter()
        .filter_map(|e| Some((e["name"].as_str()?, e)))
        .collect();
    while let Some(name) = queue.pop_front() {
        if !wanted.insert(name.clone()) {
            continue;
        }
        if let Some(entry) = by_name.get(name.as_str()) {
            queue.extend(references(entry));
        }
    }
    let kept = entries
        .iter()
        .filter(|e| e["name"].as_str().is_some_and(|n| wanted.contains(n)))
        .cloned()
        .collect();
    (kept, root_commands)
}

fn pick<T>(items: &mut [T], index: impl Into<usize>) -> Option<&mut T> {
    let len = items.len();
    if len == 0 {
        None
    } else {
        items.get_mut(index.into() % len)
    }
}

fn name_of(entries: &[Value], index: u16) -> String {
    if entries.is_empty() {
        return "int".to_owned();
    }
    entries[usize::from(index) % entries.len()]["name"]
        .as_str()
        .unwrap_or("int")
        .to_owned()
}

fn members(entry: &mut Value) -> Option<&mut Vec<Value>> {
    entry.get_mut("members").and_then(Value::as_array_mut)
}

/// Replaces every reference to `from` by `to`.
fn rename_references(entries: &mut [Value], from: &str, to: &str) {
    for entry in entries.iter_mut() {
        let Some(object) = entry.as_object_mut() else {
            continue;
        };
        for key in ["arg-type", "ret-type", "element-type"] {
            if object.get(key).and_then(Value::as_str) == Some(from) {
                object.insert(key.to_owned(), json!(to));
            }
        }
        for list in ["members", "variants"] {
            let items = object.get_mut(list).and_then(Value::as_array_mut);
            for item in items.into_iter().flatten() {
                if item.get("type").and_then(Value::as_str) == Some(from) {
                    item["type"] = json!(to);
                }
            }
        }
    }
}

fn apply(entries: &mut Vec<Value>, mutation: &Mutation) {
    let count = entries.len();
    if count == 0 {
        return;
    }
    match mutation {
        Mutation::RenameMember {
            entry,
            member,
            name,
        } => {
            let entry = &mut entries[usize::from(*entry) % count];
            if let Some(member) = members(entry).and_then(|m| pick(m, *member)) {
                if member.is_object() {
                    member["name"] = json!(name.text());
                }
            }
        }
        Mutation::RenameEntry {
            entry,
            name,
            update_references,
        } => {
            let index = usize::from(*entry) % count;
            let old = entries[index]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let new = name.text();
            if entries[index].is_object() {
                entries[index]["name"] = json!(new);
            }
            if *update_references {
                rename_references(entries, &old, &new);
            }
        }
        Mutation::RenameEnumValue { entry, value, name } => {
            let entry = &mut entries[usize::from(*entry) % count];
            if let Some(values) = entry.get_mut("values").and_then(Value::as_array_mut) {
                if let Some(slot) = pick(values, *value) {
                    *slot = json!(name.text());
                }
            }
            if entry["meta-type"] == "enum" {
                if let Some(slot) = members(entry).and_then(|m| pick(m, *value)) {
                    *slot = json!({ "name": name.text() });
                }
            }
        }
        Mutation::HugeEnum {
            entry,
            count: n,
            name,
        } => {
            let entry = &mut entries[usize::from(*entry) % count];
            if entry["meta-type"] == "enum" {
                let base = name.text();
                let n = usize::from(*n % 3000);
                let values: Vec<String> = (0..n).map(|i| format!("{base}{i}")).collect();
                entry["members"] = values.iter().map(|v| json!({ "name": v })).collect();
                entry["values"] = json!(values);
            }
        }
        Mutation::ClearMembers { entry } => {
            if let Some(members) = members(&mut entries[usize::from(*entry) % count]) {
                members.clear();
            }
        }
        Mutation::RetypeMember {
            entry,
            member,
            target,
        } => {
            let target = name_of(entries, *target);
            let entry = &mut entries[usize::from(*entry) % count];
            if let Some(member) = members(entry).and_then(|m| pick(m, *member)) {
                if member.is_object() {
                    member["type"] = json!(target);
                }
            }
        }
        Mutation::ToggleOptional { entry, member } => {
            let entry = &mut entries[usize::from(*entry) % count];
            if let Some(Value::Object(member)) = members(entry).and_then(|m| pick(m, *member)) {
                if member.remove("default").is_none() {
                    member.insert("default".to_owned(), Value::Null);
                }
            }
        }
        Mutation::DuplicateMember { entry, member } => {
            let entry = &mut entries[usize::from(*entry) % count];
            if let Some(members) = members(entry) {
                if let Some(copy) = pick(members, *member).map(|m| m.clone()) {
                    members.push(copy);
                }
            }
        }
        Mutation::RemoveEntry { entry } => {
            entries.remove(usize::from(*entry) % count);
        }
        Mutation::RemoveKey { entry, key } => {
            if let Some(object) = entries[usize::from(*entry) % count].as_object_mut() {
                object.remove(key.text());
            }
        }
        Mutation::SetKey { entry, key, value } => {
            if let Some(object) = entries[usize::from(*entry) % count].as_object_mut() {
                object.insert(key.text().to_owned(), value.value());
            }
        }
        Mutation::AddFeature {
            entry,
            member,
            deprecated,
        } => {
            let feature = if *deprecated {
                "deprecated"
            } else {
                "unstable"
            };
            let entry = &mut entries[usize::from(*entry) % count];
            let target = match member {
                Some(member) => members(entry).and_then(|m| pick(m, *member)),
                None => Some(entry),
            };
            if let Some(Value::Object(object)) = target {
                let features = object.entry("features").or_insert_with(|| json!([]));
                if let Some(list) = features.as_array_mut() {
                    list.push(json!(feature));
                }
            }
        }
        Mutation::SetTag { entry, member } => {
            let entry = &mut entries[usize::from(*entry) % count];
            let tag = members(entry)
                .and_then(|m| pick(m, *member))
                .and_then(|m| m.get("name").cloned());
            if let (Some(tag), Some(object)) = (tag, entry.as_object_mut()) {
                object.insert("tag".to_owned(), tag);
                object.entry("variants").or_insert_with(|| json!([]));
            }
        }
        Mutation::AddVariant {
            entry,
            case,
            target,
        } => {
            let target = name_of(entries, *target);
            let entry = &mut entries[usize::from(*entry) % count];
            if let Some(variants) = entry.get_mut("variants").and_then(Value::as_array_mut) {
                variants.push(json!({ "case": case.text(), "type": target }));
            }
        }
        Mutation::AddAlternative { entry, target } => {
            let target = name_of(entries, *target);
            let entry = &mut entries[usize::from(*entry) % count];
            if entry["meta-type"] == "alternate" {
                if let Some(members) = members(entry) {
                    members.push(json!({ "type": target }));
                }
            }
        }
        Mutation::Chain {
            entry,
            member,
            depth,
        } => {
            // A chain of new objects, each holding the next, the last holding the entry. Depth
            // is capped: names grow with depth (`CNextNext…`), so the output grows with its
            // square (see the README's reliability section).
            let index = usize::from(*entry) % count;
            let start = entries[index]["name"].as_str().unwrap_or("int").to_owned();
            let depth = usize::from(*depth % 300) + 1;
            let chain: Vec<String> = (0..depth).map(|i| format!("chain-{index}-{i}")).collect();
            for (i, name) in chain.iter().enumerate() {
                let next = chain.get(i + 1).unwrap_or(&start);
                let mut object = Map::new();
                object.insert("name".to_owned(), json!(name));
                object.insert("meta-type".to_owned(), json!("object"));
                object.insert(
                    "members".to_owned(),
                    json!([{ "name": "next", "type": next, "default": null }]),
                );
                entries.push(Value::Object(object));
            }
            if let Some(member) = members(&mut entries[index]).and_then(|m| pick(m, *member)) {
                if member.is_object() {
                    member["type"] = json!(chain[0]);
                }
            }
        }
        Mutation::Retarget { entry, key, target } => {
            let target = name_of(entries, *target);
            if let Some(object) = entries[usize::from(*entry) % count].as_object_mut() {
                object.insert(key.text().to_owned(), json!(target));
            }
        }
    }
}

fuzz_target!(|input: Input| {
    let (mut entries, root_commands) = slice(&schemas()[input.schema], &input.roots);
    for mutation in &input.mutations {
        apply(&mut entries, mutation);
    }
    let json = Value::Array(entries).to_string();
    let mut settings = Settings::default();
    settings.selection.exclude_unstable = input.exclude_unstable;
    if input.only_roots {
        settings.selection.only_commands = Some(root_commands.into_iter().collect::<BTreeSet<_>>());
    }
    match engine::generate(&json, "mutant.json", &settings) {
        Ok(output) => assert!(output.code.contains("@generated")),
        Err(Error::Format(message)) => panic!("generated code does not parse: {message}"),
        Err(error) => assert!(!error.to_string().is_empty()),
    }
});
