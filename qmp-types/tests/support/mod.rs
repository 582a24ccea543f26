//! Test support for the client tests: hand-written commands and an event set (the derive
//! macros are tested elsewhere), and helpers. Test support may panic.
#![allow(dead_code)]

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

/// Starts `qemu-ga` on a private socket, with its state directory in the process's own
/// temporary directory (it must exist, or the agent refuses to start).
pub fn guest_agent(release: qmp_testkit::Release) -> qmp_testkit::QemuProcess {
    let binary = release.binary("qemu-ga");
    qmp_testkit::QemuProcess::spawn(&binary, |socket| {
        let state = socket.parent().expect("socket in a directory");
        vec![
            "-m".into(),
            "unix-listen".into(),
            "-p".into(),
            socket.display().to_string(),
            "-t".into(),
            state.display().to_string(),
        ]
    })
}

/// Starts `qemu-system-x86_64 -machine none` whose QMP monitor pretty-prints its output
/// (`-mon ...,pretty=on`, which QEMU 7.2's `-qmp` shorthand does not accept).
pub fn system_pretty(release: qmp_testkit::Release) -> qmp_testkit::QemuProcess {
    let binary = release.binary("qemu-system-x86_64");
    qmp_testkit::QemuProcess::spawn(&binary, |socket| {
        vec![
            "-machine".into(),
            "none".into(),
            "-nodefaults".into(),
            "-display".into(),
            "none".into(),
            "-chardev".into(),
            format!(
                "socket,id=qmp0,path={},server=on,wait=off",
                socket.display()
            ),
            "-mon".into(),
            "chardev=qmp0,mode=control,pretty=on".into(),
        ]
    })
}
