//! Test support for the client tests: hand-written commands and an event set (the derive
//! macros are tested elsewhere), and helpers. Test support may panic.
#![allow(dead_code)]

pub mod fake;

use qmp_types::{Command, Empty, EventSet, UnknownEvent};
use serde::{Deserialize, Serialize};
use serde_json::Value;

macro_rules! command {
    ($name:ident, $wire:literal, $oob:literal, $out:ty) => {
        #[derive(Debug, Default, Serialize)]
        pub struct $name {}
        impl Command for $name {
            const NAME: &'static str = $wire;
            const ALLOW_OOB: bool = $oob;
            type Output = $out;
        }
    };
}

command!(
    QueryVersion,
    "query-version",
    false,
    qmp_types::wire::VersionInfo
);
command!(QueryStatus, "query-status", false, StatusInfo);
command!(QueryYank, "query-yank", true, Vec<Value>);
command!(QueryQmpSchema, "query-qmp-schema", false, Vec<Value>);
command!(Stop, "stop", false, Empty);
command!(Cont, "cont", false, Empty);
command!(GuestPing, "guest-ping", false, Empty);
command!(GuestInfo, "guest-info", false, GuestAgentInfo);

#[derive(Debug, Deserialize)]
pub struct StatusInfo {
    pub running: bool,
    pub status: String,
}

#[derive(Debug, Deserialize)]
pub struct GuestAgentInfo {
    pub version: String,
}

/// `query-command-line-options`: its answer depends on its argument.
#[derive(Debug, Serialize)]
pub struct QueryCommandLineOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CommandLineOptionInfo {
    pub option: String,
    pub parameters: Vec<Value>,
}

impl Command for QueryCommandLineOptions {
    const NAME: &'static str = "query-command-line-options";
    const ALLOW_OOB: bool = false;
    type Output = Vec<CommandLineOptionInfo>;
}

/// `migrate-pause`: allows OOB (QEMU refuses it outside postcopy, with an error).
#[derive(Debug, Serialize)]
pub struct MigratePause {}
impl Command for MigratePause {
    const NAME: &'static str = "migrate-pause";
    const ALLOW_OOB: bool = true;
    type Output = Empty;
}

/// An event set over two events with the unknown fallback.
#[derive(Debug, Clone, PartialEq)]
pub enum TestEvent {
    Stop,
    Resume,
    Unknown(UnknownEvent),
}

impl EventSet for TestEvent {
    fn from_event(name: &str, data: Value) -> Result<Self, serde_json::Error> {
        match name {
            // Like generated code: the data of a known event must decode (an object here).
            "STOP" | "RESUME" => {
                if !data.is_null() {
                    serde_json::from_value::<serde_json::Map<String, Value>>(data)?;
                }
                Ok(if name == "STOP" {
                    TestEvent::Stop
                } else {
                    TestEvent::Resume
                })
            }
            _ => Ok(TestEvent::Unknown(UnknownEvent {
                name: name.to_owned(),
                data,
            })),
        }
    }

    fn name(&self) -> &str {
        match self {
            TestEvent::Stop => "STOP",
            TestEvent::Resume => "RESUME",
            TestEvent::Unknown(event) => &event.name,
        }
    }
}

/// Guards against hangs: a test that would hang fails after `seconds` instead.
pub async fn within<F: std::future::Future>(seconds: u64, what: &str, future: F) -> F::Output {
    tokio::time::timeout(std::time::Duration::from_secs(seconds), future)
        .await
        .unwrap_or_else(|_| panic!("{what} did not complete within {seconds} s"))
}

/// Asserts that `error` is a handshake timeout in `stage` ("greeting", "capabilities
/// negotiation", "guest-sync-delimited").
pub fn assert_handshake_timeout(error: &qmp_types::client::Error, stage: &str) {
    use qmp_types::client::{Error, ProtocolError};
    assert!(
        matches!(error, Error::Protocol(ProtocolError::HandshakeTimeout { stage: got, .. })
            if *got == stage),
        "expected a handshake timeout in the {stage}: {error}"
    );
}
