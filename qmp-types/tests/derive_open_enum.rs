//! Behaviour of `#[derive(OpenEnum)]`: wire values, unknown values, serde round trips in
//! plain, flattened, internally tagged and `Value` contexts, `Display`, `FromStr`, `From<&str>`.

use qmp_types::serde::{Deserialize, Serialize};
use qmp_types::serde_json::{self, json, Value};
use qmp_types::OpenEnum;

#[derive(Debug, Clone, PartialEq, Eq, Hash, qmp_types::OpenEnum)]
enum RunState {
    #[qmp(rename = "running")]
    Running,
    #[qmp(rename = "inmigrate")]
    InMigrate,
    #[qmp(rename = "save-vm")]
    SaveVm,
    #[qmp(unknown)]
    Unknown(String),
}

/// Wire value defaults to the identifier verbatim, including raw identifiers.
#[derive(Debug, Clone, PartialEq, qmp_types::OpenEnum)]
enum Verbatim {
    #[qmp(unknown)]
    Other(String),
    #[allow(non_camel_case_types)]
    r#type,
    Fast,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(crate = "qmp_types::serde")]
struct Status {
    status: RunState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    previous: Option<RunState>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(crate = "qmp_types::serde")]
struct Outer {
    name: String,
    #[serde(flatten)]
    status: Status,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(crate = "qmp_types::serde", tag = "kind", rename_all = "lowercase")]
enum Tagged {
    Vm { state: RunState },
    Other,
}

#[test]
fn values_are_the_wire_names_in_declaration_order() {
    assert_eq!(RunState::VALUES, ["running", "inmigrate", "save-vm"]);
    assert_eq!(Verbatim::VALUES, ["type", "Fast"]);
}

#[test]
fn as_str_and_from_wire_agree_for_every_value() {
    for value in RunState::VALUES {
        let state = RunState::from_wire(value);
        assert!(!matches!(state, RunState::Unknown(_)), "{value} is known");
        assert_eq!(state.as_str(), *value);
    }
    assert_eq!(Verbatim::from_wire("type"), Verbatim::r#type);
    assert_eq!(
        Verbatim::from_wire("fast"),
        Verbatim::Other("fast".to_owned())
    );
}

#[test]
fn unknown_value_is_kept_and_round_trips() {
    let state: RunState = serde_json::from_str("\"colo\"").unwrap();
    assert_eq!(state, RunState::Unknown("colo".to_owned()));
    assert_eq!(state.as_str(), "colo");
    assert_eq!(serde_json::to_string(&state).unwrap(), "\"colo\"");
}

#[test]
fn known_value_round_trips() {
    let state: RunState = serde_json::from_str("\"save-vm\"").unwrap();
    assert_eq!(state, RunState::SaveVm);
    assert_eq!(serde_json::to_value(&state).unwrap(), json!("save-vm"));
    // An escaped string reaches the visitor as a transient (unescaped) copy.
    let escaped: RunState = serde_json::from_str(r#""\u0072unning""#).unwrap();
    assert_eq!(escaped, RunState::Running);
    let bytes: RunState = serde_json::from_slice(b"\"inmigrate\"").unwrap();
    assert_eq!(bytes, RunState::InMigrate);
}

#[test]
fn non_strings_are_errors_naming_the_type() {
    for input in ["1", "null", "true", "[]", "{}"] {
        let error = serde_json::from_str::<RunState>(input).unwrap_err();
        assert!(error.to_string().contains("RunState"), "{input}: {error}");
    }
    assert!(serde_json::from_value::<RunState>(json!(3)).is_err());
}

#[test]
fn decodes_from_owned_and_borrowed_values() {
    let value = json!({"status": "running", "previous": "postmigrate"});
    let expected = Status {
        status: RunState::Running,
        previous: Some(RunState::Unknown("postmigrate".to_owned())),
    };
    assert_eq!(Status::deserialize(&value).unwrap(), expected);
    assert_eq!(serde_json::from_value::<Status>(value).unwrap(), expected);
}

#[test]
fn works_inside_flatten() {
    let input = json!({"name": "vm0", "status": "inmigrate", "previous": "weird"});
    let outer: Outer = serde_json::from_value(input.clone()).unwrap();
    assert_eq!(outer.status.status, RunState::InMigrate);
    assert_eq!(
        outer.status.previous,
        Some(RunState::Unknown("weird".to_owned()))
    );
    assert_eq!(serde_json::to_value(&outer).unwrap(), input);
    let from_str: Outer = serde_json::from_str(&input.to_string()).unwrap();
    assert_eq!(from_str, outer);
}

#[test]
fn works_inside_internally_tagged_enums() {
    let input = r#"{"kind": "vm", "state": "save-vm"}"#;
    let tagged: Tagged = serde_json::from_str(input).unwrap();
    assert_eq!(
        tagged,
        Tagged::Vm {
            state: RunState::SaveVm
        }
    );
    let unknown: Tagged = serde_json::from_str(r#"{"kind": "vm", "state": "new"}"#).unwrap();
    assert_eq!(
        unknown,
        Tagged::Vm {
            state: RunState::Unknown("new".to_owned())
        }
    );
    assert!(serde_json::from_str::<Tagged>(r#"{"kind": "vm", "state": 7}"#).is_err());
    assert_eq!(
        serde_json::to_value(&tagged).unwrap(),
        json!({"kind": "vm", "state": "save-vm"})
    );
}

#[test]
fn works_as_a_map_key() {
    let mut states = std::collections::HashMap::new();
    states.insert(RunState::SaveVm, 2);
    states.insert(RunState::Unknown("colo".to_owned()), 3);
    let json = serde_json::to_value(&states).unwrap();
    assert_eq!(json, json!({"save-vm": 2, "colo": 3}));
    let back: std::collections::HashMap<RunState, u32> = serde_json::from_value(json).unwrap();
    assert_eq!(back, states);
    let parsed: std::collections::HashMap<RunState, u32> =
        serde_json::from_str(r#"{"running": 1}"#).unwrap();
    assert_eq!(parsed.get(&RunState::Running), Some(&1));
}

#[test]
fn display_from_str_and_from_use_the_wire_value() {
    assert_eq!(RunState::InMigrate.to_string(), "inmigrate");
    assert_eq!(RunState::Unknown("x".to_owned()).to_string(), "x");
    assert_eq!("running".parse::<RunState>(), Ok(RunState::Running));
    assert_eq!(
        "nope".parse::<RunState>(),
        Ok(RunState::Unknown("nope".to_owned()))
    );
    assert_eq!(RunState::from("save-vm"), RunState::SaveVm);
    let value: Value = serde_json::to_value(RunState::from("zzz")).unwrap();
    assert_eq!(value, json!("zzz"));
}

/// An enum whose only variant is the fallback (a schema enum without values).
#[derive(Debug, Clone, PartialEq, Eq, Hash, qmp_types::OpenEnum)]
enum NoValues {
    #[qmp(unknown)]
    Unknown(String),
}

#[test]
fn an_enum_of_only_the_fallback_round_trips() {
    let value: NoValues = qmp_types::serde_json::from_str("\"x\"").unwrap();
    assert_eq!(value, NoValues::Unknown("x".into()));
    assert_eq!(qmp_types::serde_json::to_string(&value).unwrap(), "\"x\"");
}
