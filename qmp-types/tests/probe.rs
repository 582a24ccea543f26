//! Capability probing against the bundled schemas of QEMU 7.2.22 and 10.0.2, query parsing
//! and its errors, and index validation.

use qmp_types::introspection::{JsonType, SchemaError, SchemaInfo, SchemaProblem};
use qmp_types::probe::{Query, QueryError, SchemaIndex, Step};
use qmp_types::{Command, Empty, Event};
use serde::{Deserialize, Serialize};

fn load(file: &str) -> SchemaIndex {
    let path = format!("{}/../schemas/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let entries: Vec<SchemaInfo> = serde_json::from_str(&text).unwrap();
    SchemaIndex::new(entries).unwrap()
}

fn releases() -> (SchemaIndex, SchemaIndex) {
    (
        load("qemu-7.2.22-x86_64.json"),
        load("qemu-10.0.2-x86_64.json"),
    )
}

/// `(query, holds on 7.2.22, holds on 10.0.2)`, each checked against the schema files by hand.
const RELEASE_QUERIES: &[(&str, bool, bool)] = &[
    // Commands and events.
    ("query-status", true, true),
    ("query-audiodevs", false, true),
    ("x-query-profile", true, false),
    ("VFIO_MIGRATION", false, true),
    ("MEM_UNPLUG_ERROR", true, false),
    // Members, optional members.
    ("query-status/ret-type/running", true, true),
    ("query-status/ret-type/singlestep", true, false),
    ("migrate/arg-type/uri", true, true),
    ("migrate/arg-type/*uri", false, true),
    ("migrate/arg-type/*channels", false, true),
    ("BLOCK_IO_ERROR/arg-type/qom-path", false, true),
    // Variants, with array flattening.
    ("blockdev-add/arg-type/+file/*aio", true, true),
    ("blockdev-add/arg-type/+file/*filename", false, false),
    ("object-add/arg-type/+sev-snp-guest", false, true),
    ("query-cpus-fast/ret-type/+s390x/dedicated", false, true),
    ("query-cpus-fast/ret-type/props/*module-id", false, true),
    // Enum values (7.2 and 10.0 both list `members`).
    ("object-add/arg-type/qom-type/^secret", true, true),
    ("object-add/arg-type/qom-type/^sev-snp-guest", false, true),
    ("blockdev-add/arg-type/+file/aio/^io_uring", true, true),
    ("query-block-jobs/ret-type/type/^mirror", false, true),
    ("query-target/ret-type/arch/^nios2", true, false),
    // Features: of a command, of a type, of a member, of an enum value.
    ("query-migrationthreads/$deprecated", false, true),
    (
        "blockdev-add/arg-type/+file/$dynamic-auto-read-only",
        true,
        true,
    ),
    (
        "chardev-add/arg-type/backend/+socket/data/reconnect/$deprecated",
        false,
        true,
    ),
    (
        "blockdev-add/arg-type/driver/^gluster/$deprecated",
        false,
        true,
    ),
    (
        "query-migrate-capabilities/ret-type/capability/^zero-blocks/$deprecated",
        false,
        true,
    ),
    // JSON types: builtins, enums as strings.
    ("query-status/ret-type/running/!boolean", true, true),
    ("query-status/ret-type/running/!string", false, false),
    ("query-block-jobs/ret-type/type/!string", true, true),
    // Alternates: BlockdevRef is an object or a string.
    ("blockdev-add/arg-type/+qcow2/file/!string", true, true),
    (
        "blockdev-add/arg-type/+qcow2/file/+file/filename",
        true,
        true,
    ),
    ("blockdev-add/arg-type/+qcow2/file/!int", false, false),
    // Steps that do not apply where they are taken.
    ("query-status/arg-type/running", false, false),
    ("query-status/ret-type/+running", false, false),
    ("query-status/ret-type/^running", false, false),
    ("MEM_UNPLUG_ERROR/ret-type", false, false),
    ("query-status/*arg-type", false, false),
];

#[test]
fn release_queries_tell_the_releases_apart() {
    let (old, new) = releases();
    for &(query, in_old, in_new) in RELEASE_QUERIES {
        assert_eq!(old.query(query).unwrap(), in_old, "7.2.22: {query}");
        assert_eq!(new.query(query).unwrap(), in_new, "10.0.2: {query}");
    }
}

#[test]
fn resolve_returns_the_entry_reached() {
    let (_, new) = releases();
    let entry = new
        .resolve(&Query::parse("query-status/ret-type/running").unwrap())
        .unwrap();
    assert_eq!(entry.name, "bool");
    let entry = new
        .resolve(&Query::parse("query-audiodevs").unwrap())
        .unwrap();
    assert_eq!(entry.kind.meta_type(), "command");
    assert!(new
        .resolve(&Query::parse("query-status/ret-type/singlestep").unwrap())
        .is_none());
}

/// Hand-written command types, as a downstream crate would have for commands its bindings
/// lack.
#[derive(Serialize)]
struct QueryAudiodevs {}

impl Command for QueryAudiodevs {
    const NAME: &'static str = "query-audiodevs";
    const ALLOW_OOB: bool = false;
    type Output = serde_json::Value;
}

#[derive(Serialize)]
struct XQueryProfile {}

impl Command for XQueryProfile {
    const NAME: &'static str = "x-query-profile";
    const ALLOW_OOB: bool = false;
    type Output = Empty;
}

#[derive(Deserialize)]
struct VfioMigration {}

impl Event for VfioMigration {
    const NAME: &'static str = "VFIO_MIGRATION";
}

#[test]
fn has_command_and_event_by_type_and_name() {
    let (old, new) = releases();
    assert!(!old.has_command::<QueryAudiodevs>());
    assert!(new.has_command::<QueryAudiodevs>());
    assert!(old.has_command::<XQueryProfile>());
    assert!(!new.has_command::<XQueryProfile>());
    assert!(!old.has_event::<VfioMigration>());
    assert!(new.has_event::<VfioMigration>());
    for index in [&old, &new] {
        assert!(index.has_command_named("qmp_capabilities"));
        // An event is not a command, a command is not an event, a type is neither.
        assert!(!index.has_command_named("STOP"));
        assert!(index.has_event_named("STOP"));
        assert!(!index.has_event_named("query-status"));
        assert!(!index.has_command_named("int"));
    }
}

#[test]
fn queries_parse_into_steps_and_print_back() {
    let text = "blockdev-add/arg-type/+file/*aio/^io_uring/$feat";
    let query = Query::parse(text).unwrap();
    assert_eq!(query.root, "blockdev-add");
    assert_eq!(
        query.steps,
        [
            Step::Member {
                name: "arg-type".into(),
                optional: false
            },
            Step::Variant("file".into()),
            Step::Member {
                name: "aio".into(),
                optional: true
            },
            Step::EnumValue {
                value: "io_uring".into(),
                feature: Some("feat".into())
            },
        ]
    );
    assert_eq!(query.to_string(), text);
    for text in [
        "query-status",
        "query-status/ret-type/running/!boolean",
        "STOP/$deprecated",
        "__org.example_cmd/arg-type/__org.example.member",
    ] {
        let query: Query = text.parse().unwrap();
        assert_eq!(query.to_string(), text);
    }
    assert_eq!(
        Query::parse("a/ret-type/!value").unwrap().steps[1],
        Step::JsonType(JsonType::Value)
    );
}

#[test]
fn malformed_queries_name_the_position() {
    let q = |s: &str| s.to_owned();
    let cases: Vec<(&str, QueryError)> = vec![
        ("", QueryError::Empty),
        (
            "query-status//running",
            QueryError::EmptyComponent {
                query: q("query-status//running"),
                position: 13,
            },
        ),
        (
            "query-status/",
            QueryError::EmptyComponent {
                query: q("query-status/"),
                position: 13,
            },
        ),
        (
            "/query-status",
            QueryError::EmptyComponent {
                query: q("/query-status"),
                position: 0,
            },
        ),
        (
            "blockdev-add/arg-type/+",
            QueryError::MissingName {
                query: q("blockdev-add/arg-type/+"),
                position: 22,
                modifier: '+',
            },
        ),
        (
            "blockdev-add/arg type",
            QueryError::InvalidCharacter {
                query: q("blockdev-add/arg type"),
                position: 16,
                found: ' ',
            },
        ),
        (
            "blockdev-add/arg-type/**aio",
            QueryError::InvalidCharacter {
                query: q("blockdev-add/arg-type/**aio"),
                position: 23,
                found: '*',
            },
        ),
        (
            "$deprecated",
            QueryError::RootModifier {
                query: q("$deprecated"),
                modifier: '$',
            },
        ),
        (
            "query-status/ret-type/running/!boolean/x",
            QueryError::AfterTerminal {
                query: q("query-status/ret-type/running/!boolean/x"),
                position: 39,
                terminal: q("!boolean"),
            },
        ),
        (
            "a/arg-type/e/^v/$f/$g",
            QueryError::AfterTerminal {
                query: q("a/arg-type/e/^v/$f/$g"),
                position: 19,
                terminal: q("^v/$f"),
            },
        ),
        (
            "a/arg-type/e/^v/w",
            QueryError::AfterTerminal {
                query: q("a/arg-type/e/^v/w"),
                position: 16,
                terminal: q("^v"),
            },
        ),
        (
            "a/$f/$g",
            QueryError::AfterTerminal {
                query: q("a/$f/$g"),
                position: 5,
                terminal: q("$f"),
            },
        ),
        (
            "query-status/ret-type/running/!bool",
            QueryError::UnknownJsonType {
                query: q("query-status/ret-type/running/!bool"),
                position: 31,
                found: q("bool"),
            },
        ),
    ];
    let (_, new) = releases();
    for (text, expected) in cases {
        assert_eq!(Query::parse(text).unwrap_err(), expected, "{text:?}");
        assert_eq!(new.query(text).unwrap_err(), expected, "{text:?}");
    }
    let message = Query::parse("query-status//running")
        .unwrap_err()
        .to_string();
    assert!(message.contains("at byte 13"), "{message}");
    assert!(message.contains("query-status//running"), "{message}");
}

fn entries(json: &str) -> Vec<SchemaInfo> {
    serde_json::from_str(json).unwrap()
}

#[test]
fn index_rejects_duplicate_names_unknown_types_and_array_cycles() {
    let duplicate = entries(
        r#"[{"name":"0","meta-type":"object","members":[]},
            {"name":"q","meta-type":"command","arg-type":"0","ret-type":"0"},
            {"name":"0","meta-type":"object","members":[]}]"#,
    );
    assert_eq!(
        SchemaIndex::new(duplicate).unwrap_err(),
        SchemaError {
            index: 2,
            name: "0".into(),
            problem: SchemaProblem::DuplicateName { first: 0 },
        }
    );
    let dangling = entries(
        r#"[{"name":"1","meta-type":"object","members":[
              {"name":"a","type":"int"},{"name":"b","type":"99"}]},
            {"name":"int","meta-type":"builtin","json-type":"int"}]"#,
    );
    let error = SchemaIndex::new(dangling).unwrap_err();
    assert_eq!(
        error,
        SchemaError {
            index: 0,
            name: "1".into(),
            problem: SchemaProblem::UnknownType {
                location: "member `b`".into(),
                target: "99".into()
            },
        }
    );
    assert!(
        error.to_string().contains("member `b` refers to type `99`"),
        "{error}"
    );
    // Not a schema QEMU produces: an array that is its own element type.
    let cycle = entries(
        r#"[{"name":"q","meta-type":"command","arg-type":"[x]","ret-type":"[x]"},
            {"name":"[x]","meta-type":"array","element-type":"[x]"}]"#,
    );
    let error = SchemaIndex::new(cycle).unwrap_err();
    assert_eq!((error.index, error.problem), (1, SchemaProblem::ArrayCycle));
}

#[test]
fn self_referencing_alternates_end() {
    // An alternate that holds an array of itself (QAPI allows recursion through types).
    let index = SchemaIndex::new(entries(
        r#"[{"name":"q","meta-type":"command","arg-type":"[a]","ret-type":"a"},
            {"name":"[a]","meta-type":"array","element-type":"a"},
            {"name":"a","meta-type":"alternate","members":[{"type":"[a]"},{"type":"int"}]},
            {"name":"int","meta-type":"builtin","json-type":"int"}]"#,
    ))
    .unwrap();
    assert!(!index.query("q/ret-type/member").unwrap());
    assert!(!index.query("q/arg-type/member").unwrap());
    assert!(index.query("q/arg-type/!int").unwrap());
    assert!(index.query("q/arg-type/!array").unwrap());
}

#[test]
fn features_of_the_member_and_of_its_type_both_count() {
    let index = SchemaIndex::new(entries(
        r#"[{"name":"q","meta-type":"command","arg-type":"1","ret-type":"1","features":["c"]},
            {"name":"1","meta-type":"object","features":["t"],"members":[
              {"name":"m","type":"2","features":["m"]},{"name":"n","type":"2"}]},
            {"name":"2","meta-type":"object","features":["u"],"members":[]}]"#,
    ))
    .unwrap();
    assert!(index.query("q/$c").unwrap());
    assert!(index.query("q/arg-type/$t").unwrap());
    assert!(!index.query("q/arg-type/$c").unwrap());
    assert!(index.query("q/arg-type/m/$m").unwrap());
    assert!(index.query("q/arg-type/m/$u").unwrap());
    assert!(!index.query("q/arg-type/n/$m").unwrap());
    assert!(index.query("q/arg-type/n/$u").unwrap());
}
