//! Deprecated types, variants and fields compile warning-free through every derive.
#![deny(warnings)]

use qmp_types::serde::{Deserialize, Serialize};

#[deprecated = "use Modern"]
#[derive(Debug, Clone, PartialEq, Eq, Hash, qmp_types::OpenEnum)]
pub enum OldMode {
    #[deprecated]
    #[qmp(rename = "old")]
    Old,
    #[qmp(unknown)]
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, qmp_types::OpenEnum)]
pub enum Mode {
    #[deprecated]
    #[qmp(rename = "legacy")]
    Legacy,
    #[qmp(rename = "modern")]
    Modern,
    #[qmp(unknown)]
    Unknown(String),
}

#[deprecated]
#[derive(Debug, Deserialize)]
#[serde(crate = "qmp_types::serde")]
pub struct OldInfo {
    pub mode: Mode,
}

#[deprecated]
#[derive(Debug, Serialize, qmp_types::Command)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "x-old-command", returns = OldInfo)]
pub struct OldCommand {
    #[deprecated]
    pub flag: bool,
}

#[deprecated]
#[derive(Debug, Deserialize, qmp_types::Event)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "OLD_EVENT")]
pub struct OldEvent {}

#[derive(Debug, Deserialize, qmp_types::Event)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "NEW_EVENT")]
pub struct NewEvent {}

/// Dispatched through `<GoneEvent as Event>::NAME` (its variant has no literal name).
#[deprecated]
#[derive(Debug, Deserialize, qmp_types::Event)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "GONE_EVENT")]
pub struct GoneEvent {}

#[derive(Debug, qmp_types::EventSet)]
pub enum Events {
    // The enum's own declaration names a deprecated type: that is the declaring code's to allow.
    #[allow(deprecated)]
    #[deprecated]
    #[qmp(name = "OLD_EVENT")]
    Old(OldEvent),
    New(NewEvent),
    #[allow(deprecated)]
    Gone(GoneEvent),
    #[qmp(unknown)]
    Unknown(qmp_types::UnknownEvent),
}

#[allow(deprecated)]
fn main() {
    use qmp_types::{Command, EventSet, OpenEnum};
    assert_eq!(OldMode::from_wire("old"), OldMode::Old);
    assert_eq!(Mode::VALUES, ["legacy", "modern"]);
    assert_eq!(OldCommand::NAME, "x-old-command");
    let _ = OldCommand { flag: true };
    let event = Events::from_event("OLD_EVENT", qmp_types::serde_json::Value::Null);
    assert!(matches!(event, Ok(Events::Old(_))));
    assert!(matches!(
        Events::from_event("NEW_EVENT", qmp_types::serde_json::Value::Null),
        Ok(Events::New(_))
    ));
    let gone = Events::from_event("GONE_EVENT", qmp_types::serde_json::json!({}));
    assert_eq!(
        gone.map(|event| event.name().to_owned()).ok().as_deref(),
        Some("GONE_EVENT")
    );
    let _: Option<OldInfo> = None;
}
