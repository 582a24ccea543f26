//! Generated-code robustness (issue #5): the generator, run over mutated copies of the real
//! bundled schemas, produces code that compiles warning-free, or a clear error.
//!
//! Each case takes a slice of a real schema (a dozen commands and events with every type they
//! reach) and mutates it the way hostile or future schemas could: members renamed to Rust
//! keywords, members, enum values and entries that collide after case conversion, downstream
//! `__com.example_` names, odd names (empty, separators only, leading digits, non-ASCII), deep
//! recursion (through optional members, arrays, alternates and union variants), huge enums,
//! emptied objects; plus seeded random combinations of those. Every output that generates is
//! `include!`d into a module of one tiny crate with `#![deny(warnings)]` (built like the
//! generator's own compile test, `tests/compile.rs`: under `CARGO_TARGET_TMPDIR`, with the
//! workspace's lock file) and must build. Every error must be a schema error naming an entry,
//! never the generator's internal error.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use qmp_build_tools::bundled::BUNDLED;
use qmp_build_tools::engine::{self, Settings};
use qmp_build_tools::Error;
use serde_json::{json, Value};

/// The commands and events whose types make up each case's slice of a real schema.
const ROOTS: &[&str] = &[
    "query-status",
    "query-block",
    "query-cpus-fast",
    "qom-list",
    "query-memory-devices",
    "netdev_add",
    "chardev-add",
    "query-migrate",
    "query-machines",
    "SHUTDOWN",
    "BLOCK_JOB_COMPLETED",
];

/// Rust keywords (strict, reserved, weak) and names generated code relies on.
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
    "static",
    "ref",
    "loop",
    "gen",
    "impl",
    "struct",
    "enum",
    "mod",
    "move",
    "mut",
    "pub",
    "return",
    "trait",
    "where",
    "while",
    "use",
    "unsafe",
    "let",
    "if",
    "else",
    "for",
    "in",
    "const",
    "continue",
    "break",
    "box",
    "become",
    "do",
    "final",
    "macro",
    "override",
    "priv",
    "typeof",
    "unsized",
    "virtual",
    "as",
    "extern",
    "false",
    "true",
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
    "unknown",
    "Event",
    "std",
    "core",
    "serde",
    "qmp_types",
    "new",
];

/// Spellings that are one identifier after case conversion.
const COLLIDING: &[&str] = &[
    "foo-bar", "foo_bar", "fooBar", "FooBar", "FOO_BAR", "foo.bar", "foo+bar",
];

/// Names that are hard to turn into identifiers (an empty member name is valid JSON and
/// works; an empty enum value or entry name is refused, see [`bad_cases`]).
const ODD: &[&str] = &[
    "", "-", "_", "__", "1", "3des", "é", "a b", "a.b", "+", "x86_64", "X86-64",
];

/// The workspace root (`build-tools/..`).
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

/// Writes `text` unless the file already holds it (keeps the crate's build incremental).
fn write(path: &Path, text: &str) {
    if fs::read_to_string(path).ok().as_deref() != Some(text) {
        fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }
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

/// [`ROOTS`] and every entry they reach, in schema order.
fn slice(json: &str) -> Vec<Value> {
    let entries: Vec<Value> = serde_json::from_str(json).expect("bundled schema");
    let by_name: HashMap<&str, &Value> = entries
        .iter()
        .map(|e| (e["name"].as_str().expect("name"), e))
        .collect();
    let mut wanted = HashSet::new();
    let mut queue: VecDeque<String> = ROOTS.iter().map(|r| (*r).to_owned()).collect();
    while let Some(name) = queue.pop_front() {
        if wanted.insert(name.clone()) {
            let entry = by_name.get(name.as_str()).expect("reachable entry");
            queue.extend(references(entry));
        }
    }
    entries
        .into_iter()
        .filter(|e| wanted.contains(e["name"].as_str().expect("name")))
        .collect()
}

fn is(entry: &Value, meta: &str) -> bool {
    entry["meta-type"] == meta
}

/// Objects that are not unions (emptying or extending them keeps the schema valid).
fn plain_object(entry: &Value) -> bool {
    is(entry, "object") && entry.get("tag").is_none()
}

fn object(name: &str, members: Value) -> Value {
    json!({"name": name, "meta-type": "object", "members": members})
}

fn command(name: &str, arg: &str, ret: &str) -> Value {
    json!({"name": name, "meta-type": "command", "arg-type": arg, "ret-type": ret})
}

/// Replaces every value of `enum_entry` (both spellings of the list) with `values`, each
/// once (a repeated value is refused, see [`bad_cases`]).
fn set_values(enum_entry: &mut Value, values: &[String]) {
    let mut seen = HashSet::new();
    let values: Vec<&String> = values.iter().filter(|v| seen.insert(*v)).collect();
    enum_entry["values"] = json!(values);
    enum_entry["members"] = values.iter().map(|v| json!({ "name": v })).collect();
}

fn values(enum_entry: &Value) -> Vec<String> {
    enum_entry["values"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The builtins the extra entries below use, added when the slice lacks them.
fn ensure_builtins(entries: &mut Vec<Value>) {
    for (name, json_type) in [("int", "int"), ("str", "string"), ("bool", "boolean")] {
        if !entries.iter().any(|e| e["name"] == name) {
            entries.push(json!({"name": name, "meta-type": "builtin", "json-type": json_type}));
        }
    }
}

/// Members renamed to keywords (per object, the n-th member gets the n-th keyword).
fn keyword_members(entries: &mut [Value]) {
    for entry in entries.iter_mut().filter(|e| plain_object(e)) {
        let members = entry["members"].as_array_mut().expect("members");
        for (i, member) in members.iter_mut().enumerate() {
            member["name"] = json!(KEYWORDS[i % KEYWORDS.len()]);
        }
        members.truncate(KEYWORDS.len());
    }
}

/// Every plain object gets members that collide with each other after case conversion.
fn colliding_members(entries: &mut [Value]) {
    for entry in entries.iter_mut().filter(|e| plain_object(e)) {
        let members = entry["members"].as_array_mut().expect("members");
        for name in COLLIDING {
            members.push(json!({"name": name, "type": "int", "default": null}));
        }
    }
}

/// Every enum gets values that collide after case conversion, and `Unknown` spellings that
/// collide with the open enums' fallback variant.
fn colliding_enum_values(entries: &mut [Value]) {
    for entry in entries.iter_mut().filter(|e| is(e, "enum")) {
        let mut all = values(entry);
        all.extend(COLLIDING.iter().map(|v| (*v).to_owned()));
        all.extend(["Unknown", "unknown", "UNKNOWN"].map(String::from));
        set_values(entry, &all);
    }
}

/// Commands and events whose names collide with each other, with existing types and with
/// the reserved `Event`.
fn colliding_entries(entries: &mut Vec<Value>) {
    ensure_builtins(entries);
    entries.push(object("empty-args", json!([])));
    for name in COLLIDING
        .iter()
        .chain(&["event", "Event", "query-status-return", "status-info"])
    {
        entries.push(command(name, "empty-args", "int"));
    }
    for name in ["FOO__BAR", "EVENT", "QUERY_STATUS", "SHUTDOWN_EVENT"] {
        entries.push(json!({"name": name, "meta-type": "event", "arg-type": "empty-args"}));
    }
}

/// Downstream extension names everywhere: commands, events, members and enum values.
fn downstream(entries: &mut [Value]) {
    for entry in entries.iter_mut() {
        if is(entry, "command") || is(entry, "event") {
            let name = entry["name"].as_str().expect("name").to_owned();
            entry["name"] = json!(format!("__com.example_{name}"));
        } else if plain_object(entry) {
            for member in entry["members"].as_array_mut().expect("members") {
                let name = member["name"].as_str().expect("name").to_owned();
                member["name"] = json!(format!("__com.example_{name}"));
            }
        } else if is(entry, "enum") {
            let renamed: Vec<String> = values(entry)
                .iter()
                .map(|v| format!("__org.qemu_{v}"))
                .collect();
            set_values(entry, &renamed);
        }
    }
}

/// Odd names for members, enum values, commands and events.
fn odd_names(entries: &mut Vec<Value>) {
    for entry in entries.iter_mut() {
        if plain_object(entry) {
            let members = entry["members"].as_array_mut().expect("members");
            for (member, name) in members.iter_mut().zip(ODD) {
                member["name"] = json!(name);
            }
        } else if is(entry, "enum") {
            let mut all = values(entry);
            all.extend(
                ODD.iter()
                    .filter(|v| !v.is_empty())
                    .map(|v| (*v).to_owned()),
            );
            set_values(entry, &all);
        }
    }
    ensure_builtins(entries);
    entries.push(object("odd-args", json!([])));
    for name in ["1st-command", "é-command", "a.b+c", "_"] {
        entries.push(command(name, "odd-args", "int"));
    }
    entries.push(json!({"name": "0_EVENT", "meta-type": "event", "arg-type": "odd-args"}));
}

/// Recursion: a long chain of objects (50 deep: at 80 distinct types nested through
/// `Option<Box<…>>` the generated code no longer compiles, rustc's drop check overflowing its
/// recursion limit, error E0320; see the README's reliability section), a type holding itself
/// through an optional member, an array and an alternate, and two unions whose variants refer
/// to each other.
fn deep_recursion(entries: &mut Vec<Value>) {
    ensure_builtins(entries);
    const DEPTH: usize = 50;
    for i in 0..DEPTH {
        let next = if i + 1 == DEPTH {
            "chain-0".to_owned()
        } else {
            format!("chain-{}", i + 1)
        };
        entries.push(object(
            &format!("chain-{i}"),
            json!([{"name": "next", "type": next, "default": null}, {"name": "depth", "type": "int"}]),
        ));
    }
    entries.push(object(
        "tree",
        json!([
            {"name": "self", "type": "tree", "default": null},
            {"name": "children", "type": "[tree]"},
            {"name": "either", "type": "tree-or-int", "default": null},
            {"name": "chain", "type": "chain-0", "default": null},
            {"name": "union", "type": "ping", "default": null}
        ]),
    ));
    entries.push(json!({"name": "[tree]", "meta-type": "array", "element-type": "tree"}));
    entries.push(json!({"name": "tree-or-int", "meta-type": "alternate",
        "members": [{"type": "tree"}, {"type": "int"}]}));
    entries.push(json!({"name": "side", "meta-type": "enum", "values": ["ping", "pong"]}));
    for (name, other) in [("ping", "pong"), ("pong", "ping")] {
        entries.push(json!({"name": name, "meta-type": "object",
            "members": [{"name": "side", "type": "side"}], "tag": "side",
            "variants": [{"case": "ping", "type": format!("{name}-ping")},
                         {"case": "pong", "type": format!("{name}-pong")}]}));
        entries.push(object(
            &format!("{name}-ping"),
            json!([{"name": "other", "type": other, "default": null}]),
        ));
        entries.push(object(
            &format!("{name}-pong"),
            json!([{"name": "tree", "type": "tree"}]),
        ));
    }
    entries.push(command("query-tree", "tree", "tree"));
    entries.push(json!({"name": "TREE_CHANGED", "meta-type": "event", "arg-type": "tree"}));
}

/// A 5,000-value enum used as argument, return and event member, and an enum without values.
fn huge_enum(entries: &mut Vec<Value>) {
    let many: Vec<String> = (0..5000).map(|i| format!("value-{i}")).collect();
    let mut huge = json!({"name": "huge", "meta-type": "enum"});
    set_values(&mut huge, &many);
    entries.push(huge);
    entries.push(json!({"name": "none", "meta-type": "enum", "values": [], "members": []}));
    entries.push(object(
        "huge-args",
        json!([{"name": "which", "type": "huge"}, {"name": "nothing", "type": "none", "default": null}]),
    ));
    entries.push(command("pick", "huge-args", "huge"));
    entries.push(json!({"name": "PICKED", "meta-type": "event", "arg-type": "huge-args"}));
}

/// Every plain object loses its members (arguments, returns, event data, member types).
fn empty_objects(entries: &mut [Value]) {
    for entry in entries.iter_mut().filter(|e| plain_object(e)) {
        entry["members"] = json!([]);
    }
}

/// A small deterministic generator (xorshift), so the random cases reproduce.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// A random mix of renames to keywords, colliding, downstream and odd names, emptied and
/// retyped members.
fn random_mix(entries: &mut [Value], seed: u64) {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let names: Vec<String> = entries
        .iter()
        .filter(|e| !is(e, "command") && !is(e, "event"))
        .map(|e| e["name"].as_str().expect("name").to_owned())
        .collect();
    for _ in 0..40 {
        let index = rng.below(entries.len());
        let pool = match rng.below(4) {
            0 => KEYWORDS,
            1 => COLLIDING,
            2 => ODD,
            _ => &[
                "__com.example_foo",
                "__com.example_foo-bar",
                "__org.qemu_x-y",
            ][..],
        };
        let name = pool[rng.below(pool.len())];
        let entry = &mut entries[index];
        if plain_object(entry) {
            let members = entry["members"].as_array_mut().expect("members");
            if members.is_empty() {
                continue;
            }
            let at = rng.below(members.len());
            match rng.below(4) {
                0 => members.clear(),
                1 => members[at]["type"] = json!(names[rng.below(names.len())]),
                _ => {
                    // Renaming to a name another member already has would be a duplicate
                    // member, which the generator reports; keep those cases apart.
                    if !members.iter().any(|m| m["name"] == name) {
                        members[at]["name"] = json!(name);
                    }
                }
            }
        } else if is(entry, "enum") {
            let mut all = values(entry);
            if !all.iter().any(|v| v == name) {
                all.push(name.to_owned());
                set_values(entry, &all);
            }
        }
    }
}

/// Mutations the generator must refuse with an error naming the entry: (case, expected
/// text in the error).
fn bad_cases(base: &[Value]) -> Vec<(Case, String)> {
    let mut empty_value = base.to_vec();
    let at = empty_value
        .iter()
        .position(|e| is(e, "enum"))
        .expect("an enum");
    let mut all = values(&empty_value[at]);
    all.push(String::new());
    set_values(&mut empty_value[at], &all);
    let mut empty_command = base.to_vec();
    let at = empty_command
        .iter()
        .position(|e| is(e, "command"))
        .expect("a command");
    empty_command[at]["name"] = json!("");
    let case = |module: &str, entries: Vec<Value>| Case {
        module: module.to_owned(),
        json: Value::Array(entries).to_string(),
    };
    let mut repeated_value = base.to_vec();
    let at = repeated_value
        .iter()
        .position(|e| is(e, "enum"))
        .expect("an enum");
    let first = values(&repeated_value[at])[0].clone();
    for key in ["values", "members"] {
        let list = repeated_value[at][key].as_array_mut().expect("enum values");
        let copy = list[0].clone();
        list.push(copy);
    }
    vec![
        (
            case("bad_repeated_enum_value", repeated_value),
            format!("the enum value `{first}` appears twice"),
        ),
        (
            case("bad_empty_enum_value", empty_value),
            "an enum value is empty".to_owned(),
        ),
        (
            case("bad_empty_command_name", empty_command),
            "the name is empty".to_owned(),
        ),
    ]
}

/// One mutated schema: its module name and JSON.
struct Case {
    module: String,
    json: String,
}

fn cases() -> Vec<Case> {
    type Mutation = fn(&mut Vec<Value>);
    let named: [(&str, Mutation); 9] = [
        ("keyword_members", |e| keyword_members(e)),
        ("colliding_members", |e| colliding_members(e)),
        ("colliding_enum_values", |e| colliding_enum_values(e)),
        ("colliding_entries", colliding_entries),
        ("downstream", |e| downstream(e)),
        ("odd_names", odd_names),
        ("deep_recursion", deep_recursion),
        ("huge_enum", huge_enum),
        ("empty_objects", |e| empty_objects(e)),
    ];
    let mut cases = Vec::new();
    for (file, json) in BUNDLED {
        let release = file
            .trim_start_matches("qemu-")
            .trim_end_matches("-x86_64.json")
            .replace('.', "_");
        let base = slice(json);
        for (name, mutate) in named {
            let mut entries = base.clone();
            mutate(&mut entries);
            cases.push(Case {
                module: format!("v{release}_{name}"),
                json: Value::Array(entries).to_string(),
            });
        }
        for seed in 0..4 {
            let mut entries = base.clone();
            random_mix(&mut entries, seed);
            cases.push(Case {
                module: format!("v{release}_random_{seed}"),
                json: Value::Array(entries).to_string(),
            });
        }
    }
    cases
}

#[test]
fn mutated_real_schemas_generate_code_that_compiles_or_a_clear_error() {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("robustness-crate");
    fs::create_dir_all(root.join("src")).expect("crate dir");
    let ws = workspace();
    write(
        &root.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"qmp-robustness-check\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
             publish = false\n\n[dependencies]\nqmp-types = {{ path = {:?} }}\n\n[workspace]\n",
            ws.join("qmp-types").display().to_string(),
        ),
    );
    if let Ok(lock) = fs::read_to_string(ws.join("Cargo.lock")) {
        write(&root.join("Cargo.lock"), &lock);
    }
    let mut lib = String::from(
        "//! Bindings of mutated schemas, built by qmp-build-tools' robustness test.\n\
         #![deny(warnings)]\n#![allow(missing_docs)]\n\n",
    );
    let started = Instant::now();
    let mut outcomes: BTreeMap<String, String> = BTreeMap::new();
    let mut generated = 0;
    for case in cases() {
        match engine::generate(&case.json, &case.module, &Settings::default()) {
            Ok(output) => {
                generated += 1;
                write(
                    &root.join("src").join(format!("{}.rs", case.module)),
                    &output.code,
                );
                lib.push_str(&format!(
                    "pub mod {0} {{\n    include!(\"{0}.rs\");\n}}\n",
                    case.module
                ));
                outcomes.insert(
                    case.module,
                    format!(
                        "generated ({} collisions resolved)",
                        output.collisions.len()
                    ),
                );
            }
            Err(Error::Format(message)) => {
                panic!(
                    "{}: the generated code does not parse: {message}",
                    case.module
                )
            }
            Err(error) => {
                let text = error.to_string();
                assert!(
                    matches!(
                        error,
                        Error::Entry { .. } | Error::Schema(_) | Error::Naming(_)
                    ) && text.contains('`')
                        || text.contains("entry #"),
                    "{}: unclear error: {text}",
                    case.module
                );
                outcomes.insert(case.module, format!("error: {text}"));
            }
        }
    }
    let generating = started.elapsed();
    for (file, json) in BUNDLED {
        for (case, expected) in bad_cases(&slice(json)) {
            let error = engine::generate(&case.json, &case.module, &Settings::default())
                .expect_err(&case.module);
            let text = error.to_string();
            assert!(
                text.contains("schema entry #") && text.contains(expected.as_str()),
                "{file} {}: {text}",
                case.module
            );
            outcomes.insert(format!("{file} {}", case.module), format!("error: {text}"));
        }
    }
    write(&root.join("src/lib.rs"), &lib);
    let started = Instant::now();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .arg("build")
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .env(
            "CARGO_TARGET_DIR",
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("robustness-target"),
        )
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the bindings of mutated schemas do not compile:\n{stderr}"
    );
    assert!(!stderr.contains("warning:"), "warnings:\n{stderr}");
    let report: Vec<String> = outcomes.iter().map(|(m, o)| format!("{m}: {o}")).collect();
    eprintln!(
        "{} cases ({generated} generated and compiled) in {generating:.2?} + {:.2?} build:\n{}",
        outcomes.len(),
        started.elapsed(),
        report.join("\n")
    );
    // The named mutations of valid schemas are valid schemas: all of them must generate.
    for (module, outcome) in &outcomes {
        if !module.contains("random") && !module.contains("bad_") {
            assert!(outcome.starts_with("generated"), "{module}: {outcome}");
        }
    }
}
