//! Unit tests of the naming rule on small hand-written schemas.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{Collision, NamingError, TypeNames};
use qmp_types::introspection::{SchemaInfo, SchemaProblem};

fn schema(entries: Value) -> Vec<SchemaInfo> {
    serde_json::from_value(entries).expect("test schema must decode")
}

fn names(entries: Value) -> TypeNames {
    TypeNames::assign(&schema(entries), &BTreeMap::new()).expect("naming must succeed")
}

fn renamed(entries: Value, renames: &[(&str, &str)]) -> Result<TypeNames, NamingError> {
    let renames = renames
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    TypeNames::assign(&schema(entries), &renames)
}

fn command(name: &str, arg: &str, ret: &str) -> Value {
    json!({"name": name, "meta-type": "command", "arg-type": arg, "ret-type": ret})
}

fn event(name: &str, arg: &str) -> Value {
    json!({"name": name, "meta-type": "event", "arg-type": arg})
}

fn object(name: &str, members: &[(&str, &str)]) -> Value {
    let members: Vec<Value> = members
        .iter()
        .map(|(m, t)| json!({"name": m, "type": t}))
        .collect();
    json!({"name": name, "meta-type": "object", "members": members})
}

fn union(name: &str, members: &[(&str, &str)], tag: &str, variants: &[(&str, &str)]) -> Value {
    let mut value = object(name, members);
    let variants: Vec<Value> = variants
        .iter()
        .map(|(c, t)| json!({"case": c, "type": t}))
        .collect();
    value["tag"] = json!(tag);
    value["variants"] = json!(variants);
    value
}

fn enumeration(name: &str, values: &[&str]) -> Value {
    json!({"name": name, "meta-type": "enum", "values": values})
}

fn array(element: &str) -> Value {
    json!({"name": format!("[{element}]"), "meta-type": "array", "element-type": element})
}

fn alternate(name: &str, types: &[&str]) -> Value {
    let members: Vec<Value> = types.iter().map(|t| json!({"type": t})).collect();
    json!({"name": name, "meta-type": "alternate", "members": members})
}

fn builtin(name: &str, json_type: &str) -> Value {
    json!({"name": name, "meta-type": "builtin", "json-type": json_type})
}

fn empty() -> Value {
    object("0", &[])
}

#[test]
fn builtins_arrays_and_empty_objects_have_no_names() {
    let n = names(json!([
        builtin("int", "int"),
        builtin("number", "number"),
        builtin("str", "string"),
        builtin("bool", "boolean"),
        builtin("null", "null"),
        builtin("any", "value"),
        array("int"),
        json!({"name": "[[int]]", "meta-type": "array", "element-type": "[int]"}),
        empty(),
    ]));
    let expected = [
        ("int", "i128"),
        ("number", "f64"),
        ("str", "String"),
        ("bool", "bool"),
        ("null", "()"),
        ("any", "::qmp_types::serde_json::Value"),
        ("[int]", "Vec<i128>"),
        ("[[int]]", "Vec<Vec<i128>>"),
        ("0", "::qmp_types::Empty"),
    ];
    for (schema_name, rust) in expected {
        assert_eq!(
            n.rust_type(schema_name).as_deref(),
            Some(rust),
            "{schema_name}"
        );
        assert_eq!(n.type_name(schema_name), None, "{schema_name}");
    }
    let listed: Vec<(&str, String)> = n.iter().collect();
    assert_eq!(listed.len(), expected.len());
    assert_eq!(listed[6], ("[int]", "Vec<i128>".to_owned()));
}

#[test]
fn undeclared_builtin_names_are_known() {
    let n = names(json!([
        command("c", "1", "int"),
        object("1", &[("a", "str")])
    ]));
    assert_eq!(n.rust_type("int").as_deref(), Some("i128"));
    assert_eq!(n.rust_type("str").as_deref(), Some("String"));
    assert_eq!(n.rust_type("nosuch"), None);
    assert_eq!(n.type_name("nosuch"), None);
}

#[test]
fn a_command_is_the_struct_of_the_argument_object_it_owns() {
    let n = names(json!([
        command("query-status", "0", "1"),
        command("block-resize", "2", "0"),
        empty(),
        object("1", &[("running", "bool")]),
        object("2", &[("size", "int")]),
    ]));
    assert_eq!(n.type_name("query-status"), Some("QueryStatus"));
    assert_eq!(n.type_name("block-resize"), Some("BlockResize"));
    assert_eq!(n.type_name("2"), Some("BlockResize"));
    assert_eq!(n.rust_type("1").as_deref(), Some("QueryStatusReturn"));
    assert_eq!(n.rust_type("0").as_deref(), Some("::qmp_types::Empty"));
}

#[test]
fn events_are_named_after_the_event() {
    let n = names(json!([
        event("BLOCK_JOB_COMPLETED", "1"),
        object("1", &[("device", "str")]),
        event("STOP", "0"),
        empty(),
    ]));
    assert_eq!(
        n.type_name("BLOCK_JOB_COMPLETED"),
        Some("BlockJobCompleted")
    );
    assert_eq!(n.type_name("1"), Some("BlockJobCompleted"));
    assert_eq!(n.type_name("STOP"), Some("Stop"));
}

#[test]
fn returned_arrays_name_their_element_item() {
    let n = names(json!([
        command("query-block", "0", "[17]"),
        command("query-nested", "0", "[[18]]"),
        empty(),
        array("17"),
        object("17", &[("device", "str"), ("children", "[19]")]),
        json!({"name": "[[18]]", "meta-type": "array", "element-type": "[18]"}),
        array("18"),
        enumeration("18", &["a"]),
        array("19"),
        object("19", &[("child", "str")]),
    ]));
    assert_eq!(n.rust_type("[17]").as_deref(), Some("Vec<QueryBlockItem>"));
    assert_eq!(n.type_name("18"), Some("QueryNestedItemItem"));
    assert_eq!(
        n.rust_type("[[18]]").as_deref(),
        Some("Vec<Vec<QueryNestedItemItem>>")
    );
    assert_eq!(n.type_name("19"), Some("QueryBlockItemChildrenItem"));
}

#[test]
fn shared_argument_objects_are_types_of_their_own() {
    let n = names(json!([
        command("block-dirty-bitmap-clear", "45", "0"),
        command("block-dirty-bitmap-remove", "45", "0"),
        event("BITMAP_A", "46"),
        event("BITMAP_B", "46"),
        empty(),
        object("45", &[("node", "str"), ("name", "str")]),
        object("46", &[("node", "str")]),
    ]));
    assert_eq!(
        n.type_name("block-dirty-bitmap-clear"),
        Some("BlockDirtyBitmapClear")
    );
    assert_eq!(
        n.type_name("block-dirty-bitmap-remove"),
        Some("BlockDirtyBitmapRemove")
    );
    assert_eq!(n.type_name("45"), Some("BlockDirtyBitmapClearArguments"));
    assert_eq!(n.type_name("46"), Some("BitmapAData"));
}

#[test]
fn members_variants_tags_and_alternatives_name_their_types() {
    let n = names(json!([
        command("blockdev-add", "1", "0"),
        empty(),
        union(
            "1",
            &[("driver", "2"), ("ref", "5")],
            "driver",
            &[("qcow2", "3"), ("raw", "0")]
        ),
        enumeration("2", &["qcow2", "raw"]),
        object("3", &[("cache", "4")]),
        object("4", &[("direct", "bool")]),
        alternate("5", &["6", "7", "[8]", "str"]),
        object("6", &[("x", "int")]),
        enumeration("7", &["auto"]),
        array("8"),
        object("8", &[("y", "int")]),
    ]));
    assert_eq!(n.type_name("1"), Some("BlockdevAdd"));
    assert_eq!(n.type_name("2"), Some("BlockdevAddDriver"));
    assert_eq!(n.type_name("3"), Some("BlockdevAddQcow2"));
    assert_eq!(n.type_name("4"), Some("BlockdevAddQcow2Cache"));
    assert_eq!(n.type_name("5"), Some("BlockdevAddRef"));
    assert_eq!(n.type_name("6"), Some("BlockdevAddRefObject"));
    assert_eq!(n.type_name("7"), Some("BlockdevAddRefEnum"));
    assert_eq!(n.type_name("8"), Some("BlockdevAddRefArrayItem"));
}

#[test]
fn the_shortest_use_site_wins_then_the_smallest_name() {
    let n = names(json!([
        command("long-command-name", "1", "0"),
        command("short", "2", "0"),
        empty(),
        object("1", &[("setting", "9")]),
        object("2", &[("opt", "9"), ("alt", "8"), ("bet", "8")]),
        enumeration("9", &["on"]),
        enumeration("8", &["off"]),
    ]));
    assert_eq!(n.type_name("9"), Some("ShortOpt"));
    assert_eq!(n.type_name("8"), Some("ShortAlt"));
    assert!(n.collisions().is_empty(), "{:?}", n.collisions());
}

#[test]
fn a_taken_name_moves_to_the_next_suggestion_visibly() {
    let n = names(json!([
        command("p", "1", "0"),
        command("q", "5", "0"),
        empty(),
        union("1", &[("kind", "4"), ("foo", "2")], "kind", &[("foo", "3")]),
        object("2", &[("a", "int")]),
        object("3", &[("b", "int")]),
        enumeration("4", &["foo"]),
        object("5", &[("long-fallback", "3")]),
    ]));
    // Member `foo` outranks variant `foo` for the name `PFoo`.
    assert_eq!(n.type_name("2"), Some("PFoo"));
    assert_eq!(n.type_name("3"), Some("QLongFallback"));
    assert_eq!(
        n.collisions(),
        [Collision {
            schema_name: "3".to_owned(),
            wanted: "PFoo".to_owned(),
            taken_by: Some("2".to_owned()),
            assigned: "QLongFallback".to_owned(),
        }]
    );
    assert_eq!(
        n.collisions()[0].to_string(),
        "`3`: `PFoo` is taken by `2`, named `QLongFallback` instead"
    );
}

#[test]
fn a_type_without_free_suggestion_gets_a_number() {
    let n = names(json!([
        command("p", "1", "0"),
        empty(),
        union("1", &[("kind", "4"), ("foo", "2")], "kind", &[("foo", "3")]),
        object("2", &[("a", "int")]),
        object("3", &[("b", "5")]),
        enumeration("4", &["foo"]),
        enumeration("5", &["x"]),
    ]));
    assert_eq!(n.type_name("2"), Some("PFoo"));
    assert_eq!(n.type_name("3"), Some("PFoo2"));
    assert_eq!(n.type_name("5"), Some("PFoo2B"));
    assert_eq!(n.collisions().len(), 1);
}

#[test]
fn reserved_names_are_never_assigned() {
    let n = names(json!([
        command("event", "0", "0"),
        command("option", "0", "1"),
        event("VEC", "0"),
        empty(),
        object("1", &[("x", "int")]),
    ]));
    assert_eq!(n.type_name("event"), Some("EventCommand"));
    assert_eq!(n.type_name("option"), Some("OptionCommand"));
    assert_eq!(n.type_name("VEC"), Some("VecEvent"));
    assert_eq!(n.type_name("1"), Some("OptionCommandReturn"));
    let reserved: Vec<&Collision> = n
        .collisions()
        .iter()
        .filter(|c| c.taken_by.is_none())
        .collect();
    assert_eq!(reserved.len(), 3);
}

#[test]
fn a_command_and_an_event_of_the_same_name_are_told_apart() {
    let n = names(json!([
        command("foo-bar", "0", "0"),
        event("FOO_BAR", "0"),
        empty(),
    ]));
    // Commands claim their names first.
    assert_eq!(n.type_name("foo-bar"), Some("FooBar"));
    assert_eq!(n.type_name("FOO_BAR"), Some("FooBarEvent"));
    assert_eq!(n.collisions()[0].taken_by.as_deref(), Some("foo-bar"));
}

#[test]
fn command_names_starting_with_a_digit_get_an_underscore() {
    let n = names(json!([
        command("3d-thing", "0", "1"),
        empty(),
        object("1", &[("a", "int")])
    ]));
    assert_eq!(n.type_name("3d-thing"), Some("_3dThing"));
    assert_eq!(n.type_name("1"), Some("_3dThingReturn"));
}

#[test]
fn downstream_names_become_camel_case() {
    let n = names(json!([
        command("__com.redhat_drive-mirror", "0", "0"),
        empty()
    ]));
    assert_eq!(
        n.type_name("__com.redhat_drive-mirror"),
        Some("ComRedhatDriveMirror")
    );
}

#[test]
fn unreferenced_types_are_named_from_their_content() {
    let n = names(json!([
        object(
            "1",
            &[
                ("in", "3"),
                ("out", "3"),
                ("latency", "int"),
                ("dev", "str")
            ]
        ),
        enumeration("2", &["incompatible", "identical"]),
        object("3", &[("x", "int")]),
        object("4", &[("next", "5")]),
        object("5", &[("prev", "4")]),
    ]));
    assert_eq!(n.type_name("1"), Some("UnreferencedInOutLatency"));
    assert_eq!(n.type_name("2"), Some("UnreferencedIncompatibleIdentical"));
    assert_eq!(n.type_name("3"), Some("UnreferencedInOutLatencyIn"));
    // A cycle nothing else uses: each gets its own content name, not one derived from the
    // other (which would be longer).
    assert_eq!(n.type_name("4"), Some("UnreferencedNext"));
    assert_eq!(n.type_name("5"), Some("UnreferencedPrev"));
}

#[test]
fn names_ignore_masked_numbers_and_entry_order() {
    let original = json!([
        command("query-block", "0", "[17]"),
        command("blockdev-add", "20", "0"),
        empty(),
        array("17"),
        object("17", &[("device", "str"), ("opts", "20")]),
        union(
            "20",
            &[("driver", "21")],
            "driver",
            &[("file", "22"), ("raw", "22")]
        ),
        enumeration("21", &["file", "raw"]),
        object("22", &[("filename", "str")]),
        enumeration("23", &["lonely"]),
    ]);
    let renumbered = json!([
        enumeration("5", &["lonely"]),
        object("4", &[("filename", "str")]),
        enumeration("3", &["file", "raw"]),
        union(
            "2",
            &[("driver", "3")],
            "driver",
            &[("file", "4"), ("raw", "4")]
        ),
        object("1", &[("device", "str"), ("opts", "2")]),
        array("1"),
        object("99", &[]),
        command("blockdev-add", "2", "99"),
        command("query-block", "99", "[1]"),
    ]);
    let a = names(original);
    let b = names(renumbered);
    let pairs = [
        ("17", "1"),
        ("20", "2"),
        ("21", "3"),
        ("22", "4"),
        ("23", "5"),
        ("[17]", "[1]"),
    ];
    for (x, y) in pairs {
        assert_eq!(a.rust_type(x), b.rust_type(y), "{x} vs {y}");
        assert!(a.rust_type(x).is_some());
    }
    assert_eq!(a.type_name("22"), Some("BlockdevAddRaw"));
}

#[test]
fn renames_by_schema_name_and_by_rust_name_propagate() {
    let entries = json!([
        command("query-block", "0", "[17]"),
        empty(),
        array("17"),
        object("17", &[("inserted", "18")]),
        object("18", &[("ro", "bool")]),
        command("query-status", "0", "1"),
        object("1", &[("running", "bool")]),
    ]);
    let n = renamed(
        entries.clone(),
        &[("QueryBlockItem", "BlockInfo"), ("query-status", "Status")],
    )
    .expect("renames are valid");
    assert_eq!(n.type_name("17"), Some("BlockInfo"));
    assert_eq!(n.type_name("18"), Some("BlockInfoInserted"));
    assert_eq!(n.type_name("query-status"), Some("Status"));
    assert_eq!(n.type_name("1"), Some("StatusReturn"));
    let n = renamed(entries, &[("18", "Inserted")]).expect("rename by masked name");
    assert_eq!(n.type_name("18"), Some("Inserted"));
}

#[test]
fn a_renamed_name_pushes_the_default_holder_aside() {
    let n = renamed(
        json!([
            command("a", "0", "1"),
            command("b", "0", "2"),
            empty(),
            object("1", &[("x", "int")]),
            object("2", &[("y", "int")]),
        ]),
        &[("2", "AReturn")],
    )
    .expect("rename is valid");
    assert_eq!(n.type_name("2"), Some("AReturn"));
    assert_eq!(n.type_name("1"), Some("AReturn2"));
    assert_eq!(n.collisions().len(), 1);
}

#[test]
fn bad_renames_are_errors() {
    let entries = json!([
        command("a", "0", "1"),
        command("b", "0", "2"),
        empty(),
        object("1", &[("x", "int")]),
        object("2", &[("y", "int")]),
        builtin("int", "int"),
    ]);
    let err = |renames: &[(&str, &str)]| renamed(entries.clone(), renames).unwrap_err();
    assert!(matches!(
        err(&[("nosuch", "X")]),
        NamingError::UnknownRename { .. }
    ));
    assert!(matches!(
        err(&[("int", "Int")]),
        NamingError::NotRenamable {
            meta_type: "builtin",
            ..
        }
    ));
    assert!(matches!(
        err(&[("0", "Nothing")]),
        NamingError::NotRenamable { .. }
    ));
    assert!(matches!(
        err(&[("a", "not-an-ident")]),
        NamingError::InvalidRename { .. }
    ));
    assert!(matches!(
        err(&[("a", "type")]),
        NamingError::InvalidRename { .. }
    ));
    assert!(matches!(
        err(&[("a", "Option")]),
        NamingError::ReservedRename { .. }
    ));
    assert!(matches!(
        err(&[("a", "X"), ("A", "Y")]),
        NamingError::ConflictingRenames { .. }
    ));
    assert!(matches!(
        err(&[("1", "X"), ("2", "X")]),
        NamingError::DuplicateRename { .. }
    ));
    let message = err(&[("nosuch", "X")]).to_string();
    assert!(message.contains("`nosuch`"), "{message}");
}

#[test]
fn malformed_schemas_are_errors() {
    // The schema rules are `qmp_types::introspection::validate`'s, shared by every stage.
    let problem = |entries: Vec<SchemaInfo>| match TypeNames::assign(&entries, &BTreeMap::new()) {
        Err(NamingError::Schema(error)) => (error.index, error.problem),
        other => panic!("expected a schema error, got {other:?}"),
    };
    assert_eq!(
        problem(schema(json!([empty(), empty()]))),
        (1, SchemaProblem::DuplicateName { first: 0 })
    );
    let dangling = schema(json!([object("1", &[("node", "77")])]));
    assert_eq!(
        problem(dangling.clone()),
        (
            0,
            SchemaProblem::UnknownType {
                location: "member `node`".to_owned(),
                target: "77".to_owned(),
            }
        )
    );
    let message = TypeNames::assign(&dangling, &BTreeMap::new())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("member `node` refers to type `77`"),
        "{message}"
    );
    let cyclic = schema(json!([{"name": "[x]", "meta-type": "array", "element-type": "[x]"}]));
    assert_eq!(problem(cyclic), (0, SchemaProblem::ArrayCycle));
}
