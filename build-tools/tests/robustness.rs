//! Malformed input never panics: systematic mutations of a small schema that uses every
//! meta-type, and truncations of a real one, each give `Ok` or a clear error.

use qmp_build_tools::bundled::BUNDLED;
use qmp_build_tools::engine::{self, Settings};
use serde_json::{json, Value};

fn small_schema() -> Value {
    json!([
        {"name": "query-x", "meta-type": "command", "arg-type": "1", "ret-type": "[2]",
         "allow-oob": true, "features": ["deprecated"]},
        {"name": "X_EVENT", "meta-type": "event", "arg-type": "0"},
        {"name": "0", "meta-type": "object", "members": []},
        {"name": "1", "meta-type": "object",
         "members": [{"name": "kind", "type": "3"}, {"name": "n", "type": "int", "default": null}],
         "tag": "kind", "variants": [{"case": "a", "type": "2"}]},
        {"name": "2", "meta-type": "object",
         "members": [{"name": "alt", "type": "4"}, {"name": "self", "type": "2", "default": null}]},
        {"name": "[2]", "meta-type": "array", "element-type": "2"},
        {"name": "3", "meta-type": "enum", "values": ["a", "b"],
         "members": [{"name": "a"}, {"name": "b", "features": ["unstable"]}]},
        {"name": "4", "meta-type": "alternate", "members": [{"type": "int"}, {"type": "str"}]},
        {"name": "int", "meta-type": "builtin", "json-type": "int"},
        {"name": "str", "meta-type": "builtin", "json-type": "string"}
    ])
}

/// Runs the whole pipeline; a panic fails the test, an error is fine.
fn run(schema: &str) -> Result<(), String> {
    for settings in [Settings::default(), {
        let mut s = Settings::default();
        s.selection.exclude_unstable = true;
        s
    }] {
        engine::generate(schema, "mutant", &settings).map_err(|e| e.to_string())?;
    }
    engine::names(schema, &Default::default()).map_err(|e| e.to_string())?;
    Ok(())
}

#[test]
fn the_small_schema_itself_generates() {
    run(&small_schema().to_string()).expect("valid schema");
}

#[test]
fn every_key_removed_or_replaced_gives_ok_or_error() {
    let base = small_schema();
    let replacements = [
        json!(null),
        json!(7),
        json!("2"),
        json!("nope"),
        json!([]),
        json!({}),
    ];
    let mut errors = 0;
    let mut cases = 0;
    for (i, entry) in base.as_array().expect("array").iter().enumerate() {
        let keys: Vec<String> = entry.as_object().expect("object").keys().cloned().collect();
        for key in keys {
            let mut mutant = base.clone();
            mutant[i].as_object_mut().expect("object").remove(&key);
            cases += 1;
            errors += usize::from(run(&mutant.to_string()).is_err());
            for value in &replacements {
                let mut mutant = base.clone();
                mutant[i][&key] = value.clone();
                cases += 1;
                errors += usize::from(run(&mutant.to_string()).is_err());
            }
        }
    }
    // Most mutations break the schema; all of them were reported, none panicked.
    assert!(errors > cases / 2, "{errors} errors in {cases} cases");
}

#[test]
fn error_messages_name_the_entry() {
    let mut mutant = small_schema();
    mutant[4]["members"][0]["type"] = json!("99");
    let err = run(&mutant.to_string()).expect_err("dangling");
    assert!(
        err.contains("schema entry #4 (2)") && err.contains("member `alt`"),
        "{err}"
    );

    let mut mutant = small_schema();
    mutant[3]["tag"] = json!("missing");
    let err = run(&mutant.to_string()).expect_err("bad tag");
    assert!(
        err.contains("schema entry #3 (1)") && err.contains("missing"),
        "{err}"
    );

    let mut mutant = small_schema();
    mutant[0]["arg-type"] = json!("3");
    let err = run(&mutant.to_string()).expect_err("enum arguments");
    assert!(
        err.contains("query-x") && err.contains("not an object"),
        "{err}"
    );

    let mut mutant = small_schema();
    mutant[5]["element-type"] = json!("[2]");
    assert!(run(&mutant.to_string()).is_err(), "self-containing array");
}

#[test]
fn truncated_real_schema_gives_errors() {
    let (_, json) = BUNDLED.last().copied().expect("a bundled schema");
    for cut in [0, 1, 2, 100, 1000, json.len() / 2, json.len() - 2] {
        let err = run(&json[..cut]).expect_err("truncated JSON");
        assert!(err.contains("line"), "{err}");
    }
}

#[test]
fn long_cycles_do_not_overflow_the_stack() {
    // 20 000 commands whose argument objects form one cycle (each holds the next): the cycle
    // search must not recurse per object.
    let n = 20_000;
    let mut entries = Vec::new();
    for i in 0..n {
        let next = format!("o{}", (i + 1) % n);
        entries.push(json!({"name": format!("c{i}"), "meta-type": "command",
                            "arg-type": format!("o{i}"), "ret-type": "o0"}));
        entries.push(json!({"name": format!("o{i}"), "meta-type": "object",
                            "members": [{"name": "next", "type": next, "default": null}]}));
    }
    let schema = Value::Array(entries).to_string();
    let output = engine::generate(&schema, "deep", &Settings::default()).expect("generate");
    assert!(output.code.contains("pub next: Option<Box<C1>>"));
}
