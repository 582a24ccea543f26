//! The release diff on small hand-written schemas: structural pairing despite different masked
//! names, shape changes, alternates, features, allow-oob, cycles, the reporting path, errors.

use qmp_build_tools::diff::{diff, diff_files, ChangeKind, DiffError, SchemaDiff};
use qmp_types::introspection::SchemaInfo;

fn entries(json: &str) -> Vec<SchemaInfo> {
    serde_json::from_str(json).unwrap()
}

/// The diff as `path change` lines (JSON tag names), for compact assertions.
fn lines(diff: &SchemaDiff) -> Vec<String> {
    diff.changes
        .iter()
        .map(|c| {
            let value = serde_json::to_value(&c.kind).unwrap();
            let mut line = format!("{} {}", c.path, value["change"].as_str().unwrap());
            for key in ["old", "new", "feature", "optional", "allowed"] {
                if let Some(v) = value.get(key) {
                    line.push_str(&format!(" {key}={v}"));
                }
            }
            line
        })
        .collect()
}

const BUILTINS: &str = r#"
    {"name":"int","meta-type":"builtin","json-type":"int"},
    {"name":"str","meta-type":"builtin","json-type":"string"},
    {"name":"null","meta-type":"builtin","json-type":"null"},
    {"name":"bool","meta-type":"builtin","json-type":"boolean"}"#;

fn schema(body: &str) -> Vec<SchemaInfo> {
    entries(&format!("[{body},{BUILTINS}]"))
}

#[test]
fn types_pair_by_path_not_by_masked_name() {
    // The same structure under different masked names: no changes.
    let old = schema(
        r#"{"name":"c","meta-type":"command","arg-type":"1","ret-type":"2"},
           {"name":"1","meta-type":"object","members":[{"name":"a","type":"2"}]},
           {"name":"2","meta-type":"enum","values":["x","y"]}"#,
    );
    let new = schema(
        r#"{"name":"c","meta-type":"command","arg-type":"7","ret-type":"9"},
           {"name":"7","meta-type":"object","members":[{"name":"a","type":"9"}]},
           {"name":"9","meta-type":"enum","members":[{"name":"y"},{"name":"x"}]}"#,
    );
    assert!(diff(old, new).unwrap().is_empty());
}

#[test]
fn return_type_shape_changes() {
    let old = schema(
        r#"{"name":"c","meta-type":"command","arg-type":"0","ret-type":"1"},
           {"name":"d","meta-type":"command","arg-type":"0","ret-type":"[1]"},
           {"name":"e","meta-type":"command","arg-type":"0","ret-type":"[int]"},
           {"name":"0","meta-type":"object","members":[]},
           {"name":"[1]","meta-type":"array","element-type":"1"},
           {"name":"[int]","meta-type":"array","element-type":"int"},
           {"name":"1","meta-type":"object","members":[{"name":"a","type":"int"}]}"#,
    );
    let new = schema(
        r#"{"name":"c","meta-type":"command","arg-type":"0","ret-type":"[1]"},
           {"name":"d","meta-type":"command","arg-type":"0","ret-type":"[1]"},
           {"name":"e","meta-type":"command","arg-type":"0","ret-type":"[str]"},
           {"name":"0","meta-type":"object","members":[]},
           {"name":"[1]","meta-type":"array","element-type":"1"},
           {"name":"[str]","meta-type":"array","element-type":"str"},
           {"name":"1","meta-type":"object","members":[{"name":"a","type":"int"}]}"#,
    );
    assert_eq!(
        lines(&diff(old, new).unwrap()),
        [
            r#"c/ret-type type-changed old="object" new="array of object""#,
            r#"e/ret-type/[] type-changed old="int" new="str""#,
        ]
    );
}

#[test]
fn members_optionality_variants_and_tags() {
    let old = schema(
        r#"{"name":"c","meta-type":"command","arg-type":"1","ret-type":"1"},
           {"name":"1","meta-type":"object","tag":"t","members":[
              {"name":"t","type":"2"},{"name":"keep","type":"int"},
              {"name":"opt","type":"int","default":null},{"name":"gone","type":"int"}],
            "variants":[{"case":"x","type":"3"},{"case":"y","type":"3"}]},
           {"name":"2","meta-type":"enum","values":["x","y"]},
           {"name":"3","meta-type":"object","members":[{"name":"p","type":"int"}]}"#,
    );
    let new = schema(
        r#"{"name":"c","meta-type":"command","arg-type":"1","ret-type":"1"},
           {"name":"1","meta-type":"object","tag":"t","members":[
              {"name":"t","type":"2"},{"name":"keep","type":"int","default":null},
              {"name":"opt","type":"int"},{"name":"fresh","type":"int","default":null,
               "features":["unstable"]}],
            "variants":[{"case":"x","type":"3"},{"case":"z","type":"4"}]},
           {"name":"2","meta-type":"enum","values":["x","z"]},
           {"name":"3","meta-type":"object","members":[{"name":"p","type":"int"},
              {"name":"q","type":"str"}]},
           {"name":"4","meta-type":"object","members":[]}"#,
    );
    let changes = diff(old, new).unwrap();
    assert_eq!(
        lines(&changes),
        [
            "c/arg-type/+x/q member-added optional=false",
            "c/arg-type/+y variant-removed",
            "c/arg-type/+z variant-added",
            "c/arg-type/fresh member-added optional=true",
            "c/arg-type/gone member-removed",
            "c/arg-type/keep made-optional",
            "c/arg-type/opt made-required",
            "c/arg-type/t/^y enum-value-removed",
            "c/arg-type/t/^z enum-value-added",
        ]
    );
    let fresh = changes
        .changes
        .iter()
        .find(|c| c.path.to_string() == "c/arg-type/fresh")
        .unwrap();
    assert_eq!(
        fresh.kind,
        ChangeKind::MemberAdded {
            optional: true,
            features: vec!["unstable".into()]
        }
    );
}

#[test]
fn alternates_pair_branches_by_json_type() {
    let old = schema(
        r#"{"name":"c","meta-type":"command","arg-type":"1","ret-type":"1"},
           {"name":"1","meta-type":"object","members":[{"name":"ref","type":"2"}]},
           {"name":"2","meta-type":"alternate","members":[{"type":"3"},{"type":"str"}]},
           {"name":"3","meta-type":"object","members":[{"name":"a","type":"int"}]}"#,
    );
    let new = schema(
        r#"{"name":"c","meta-type":"command","arg-type":"1","ret-type":"1"},
           {"name":"1","meta-type":"object","members":[{"name":"ref","type":"2"}]},
           {"name":"2","meta-type":"alternate","members":[{"type":"null"},{"type":"3"},
              {"type":"4"}]},
           {"name":"3","meta-type":"object","members":[{"name":"a","type":"int"},
              {"name":"b","type":"int","default":null}]},
           {"name":"4","meta-type":"enum","values":["auto"]}"#,
    );
    assert_eq!(
        lines(&diff(old, new).unwrap()),
        [
            "c/arg-type/ref/|null alternative-added",
            "c/arg-type/ref/|object/b member-added optional=true",
            r#"c/arg-type/ref/|string type-changed old="str" new="enum""#,
        ]
    );
}

#[test]
fn features_and_allow_oob() {
    let old = schema(
        r#"{"name":"c","meta-type":"command","arg-type":"1","ret-type":"1"},
           {"name":"E","meta-type":"event","arg-type":"0","features":["unstable"]},
           {"name":"0","meta-type":"object","members":[]},
           {"name":"1","meta-type":"object","members":[{"name":"m","type":"2"}]},
           {"name":"2","meta-type":"enum","members":[{"name":"v"}]}"#,
    );
    let new = schema(
        r#"{"name":"c","meta-type":"command","arg-type":"1","ret-type":"1","allow-oob":true,
            "features":["deprecated"]},
           {"name":"E","meta-type":"event","arg-type":"0"},
           {"name":"0","meta-type":"object","members":[]},
           {"name":"1","meta-type":"object","features":["t"],"members":[
              {"name":"m","type":"2","features":["deprecated"]}]},
           {"name":"2","meta-type":"enum","members":[{"name":"v","features":["unstable"]}]}"#,
    );
    assert_eq!(
        lines(&diff(old, new).unwrap()),
        [
            r#"E feature-removed feature="unstable""#,
            r#"c feature-added feature="deprecated""#,
            "c allow-oob-changed allowed=true",
            r#"c/arg-type feature-added feature="t""#,
            r#"c/arg-type/m feature-added feature="deprecated""#,
            r#"c/arg-type/m/^v feature-added feature="unstable""#,
        ]
    );
}

#[test]
fn shared_types_report_once_at_the_shortest_then_smallest_path() {
    // Type 5 is reached as `b/arg-type/deep/inner` (4 components) and as `z/arg-type/x`,
    // `a/arg-type/y` and `a/arg-type/x` (3 components): reported at the smallest of the
    // shortest, `a/arg-type/x`, although `y` comes first in the schema.
    let old = schema(
        r#"{"name":"a","meta-type":"command","arg-type":"1","ret-type":"0"},
           {"name":"b","meta-type":"command","arg-type":"2","ret-type":"0"},
           {"name":"z","meta-type":"command","arg-type":"3","ret-type":"0"},
           {"name":"0","meta-type":"object","members":[]},
           {"name":"1","meta-type":"object","members":[{"name":"y","type":"5"},
              {"name":"x","type":"5"}]},
           {"name":"2","meta-type":"object","members":[{"name":"deep","type":"4"}]},
           {"name":"3","meta-type":"object","members":[{"name":"x","type":"5"}]},
           {"name":"4","meta-type":"object","members":[{"name":"inner","type":"5"}]},
           {"name":"5","meta-type":"object","members":[]}"#,
    );
    let mut new = old.clone();
    let five = new.iter_mut().find(|e| e.name == "5").unwrap();
    *five = entries(r#"[{"name":"5","meta-type":"object","members":[{"name":"n","type":"int"}]}]"#)
        .remove(0);
    assert_eq!(
        lines(&diff(old, new).unwrap()),
        ["a/arg-type/x/n member-added optional=false"]
    );
}

#[test]
fn recursive_types_end() {
    // A tree whose nodes hold arrays of nodes (like QEMU's BlockGraphInfo children).
    let old = schema(
        r#"{"name":"c","meta-type":"command","arg-type":"0","ret-type":"1"},
           {"name":"0","meta-type":"object","members":[]},
           {"name":"1","meta-type":"object","members":[{"name":"children","type":"[1]"},
              {"name":"backing","type":"1","default":null}]},
           {"name":"[1]","meta-type":"array","element-type":"1"}"#,
    );
    let new = schema(
        r#"{"name":"c","meta-type":"command","arg-type":"0","ret-type":"8"},
           {"name":"0","meta-type":"object","members":[]},
           {"name":"8","meta-type":"object","members":[{"name":"children","type":"[8]"},
              {"name":"backing","type":"8","default":null},{"name":"id","type":"str"}]},
           {"name":"[8]","meta-type":"array","element-type":"8"}"#,
    );
    assert_eq!(
        lines(&diff(old, new).unwrap()),
        ["c/ret-type/id member-added optional=false"]
    );
}

#[test]
fn command_turned_event_is_removed_and_added() {
    let old = schema(
        r#"{"name":"x","meta-type":"command","arg-type":"0","ret-type":"0"},
           {"name":"0","meta-type":"object","members":[]}"#,
    );
    let new = schema(
        r#"{"name":"x","meta-type":"event","arg-type":"0"},
           {"name":"0","meta-type":"object","members":[]}"#,
    );
    assert_eq!(
        lines(&diff(old, new).unwrap()),
        ["x command-removed", "x event-added"]
    );
}

#[test]
fn bad_schemas_are_errors_naming_the_side_and_file() {
    let good = schema(r#"{"name":"0","meta-type":"object","members":[]}"#);
    let dangling = schema(r#"{"name":"c","meta-type":"event","arg-type":"42"}"#);
    let error = diff(good.clone(), dangling).unwrap_err();
    assert!(
        matches!(error, DiffError::Index { side: "new", .. }),
        "{error}"
    );
    assert!(error.to_string().contains("type `42`"), "{error}");

    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "[{\"name\": 1}").unwrap();
    let missing = dir.path().join("missing.json");
    let good_file = dir.path().join("good.json");
    std::fs::write(&good_file, serde_json::to_string(&good).unwrap()).unwrap();

    let error = diff_files(&good_file, &broken).unwrap_err();
    assert!(
        matches!(error, DiffError::Schema { side: "new", .. }),
        "{error}"
    );
    assert!(error.to_string().contains("broken.json"), "{error}");
    assert!(error.to_string().contains("line 1"), "{error}");
    let error = diff_files(&missing, &good_file).unwrap_err();
    assert!(
        matches!(error, DiffError::Read { side: "old", .. }),
        "{error}"
    );
    assert!(error.to_string().contains("missing.json"), "{error}");
}
