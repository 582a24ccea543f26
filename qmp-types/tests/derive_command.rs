//! Behaviour of `#[derive(Command)]`: name, OOB flag, return type, arguments serialisation,
//! for a downstream extension and a guest agent command written by hand.

use qmp_types::serde::{Deserialize, Serialize};
use qmp_types::serde_json::{self, json};
use qmp_types::{Command, Empty};

/// A downstream extension command (`__RFQDN_` prefix), as a vendor would write it by hand.
#[derive(Debug, Serialize, qmp_types::Command)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "__org.example_frobnicate", allow_oob)]
struct Frobnicate {
    #[serde(rename = "target-node")]
    target_node: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    level: Option<i128>,
}

/// The QEMU Guest Agent's `guest-info` return value (a subset of its members).
#[derive(Debug, PartialEq, Deserialize)]
#[serde(crate = "qmp_types::serde")]
struct GuestAgentInfo {
    version: String,
    supported_commands: Vec<GuestAgentCommandInfo>,
}

/// One entry of `guest-info`'s `supported_commands`.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(crate = "qmp_types::serde")]
struct GuestAgentCommandInfo {
    name: String,
    enabled: bool,
    #[serde(rename = "success-response")]
    success_response: bool,
}

/// The guest agent's `guest-info`, which takes no arguments.
#[derive(Debug, Default, Serialize, qmp_types::Command)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "guest-info", returns = GuestAgentInfo)]
struct GuestInfo {}

/// A newtype around an arguments struct.
#[derive(Debug, Serialize, qmp_types::Command)]
#[serde(crate = "qmp_types::serde")]
#[qmp(returns = Vec<String>, name = "x-wrapped")]
struct Wrapped(Frobnicate);

fn allows_oob<C: Command>() -> bool {
    C::ALLOW_OOB
}

fn output_of<C: Command>(value: serde_json::Value) -> C::Output {
    serde_json::from_value(value).unwrap()
}

#[test]
fn downstream_command_has_its_name_and_oob_flag() {
    assert_eq!(Frobnicate::NAME, "__org.example_frobnicate");
    assert!(allows_oob::<Frobnicate>());
    let _: Empty = output_of::<Frobnicate>(json!({}));
}

#[test]
fn arguments_serialise_to_an_object() {
    let command = Frobnicate {
        target_node: "disk0".to_owned(),
        level: Some(3),
    };
    assert_eq!(
        serde_json::to_value(&command).unwrap(),
        json!({"target-node": "disk0", "level": 3})
    );
    assert_eq!(serde_json::to_value(GuestInfo {}).unwrap(), json!({}));
    assert_eq!(
        serde_json::to_value(Wrapped(command)).unwrap(),
        json!({"target-node": "disk0", "level": 3})
    );
}

#[test]
fn guest_agent_command_decodes_its_return_value() {
    assert_eq!(GuestInfo::NAME, "guest-info");
    assert!(!allows_oob::<GuestInfo>());
    let info = output_of::<GuestInfo>(json!({
        "version": "10.0.2",
        "supported_commands": [
            {"name": "guest-ping", "enabled": true, "success-response": true}
        ]
    }));
    assert_eq!(info.version, "10.0.2");
    assert_eq!(info.supported_commands[0].name, "guest-ping");
    assert!(info.supported_commands[0].enabled && info.supported_commands[0].success_response);
}

#[test]
fn returns_accepts_any_type_and_keys_in_any_order() {
    assert_eq!(Wrapped::NAME, "x-wrapped");
    assert!(!allows_oob::<Wrapped>());
    assert_eq!(output_of::<Wrapped>(json!(["a", "b"])), vec!["a", "b"]);
}
