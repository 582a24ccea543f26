//! Live: commands, an open enum and event sets derived by hand (as a downstream user would),
//! against real QEMU 7.2 and 10.0.2 (`-machine none`) and their guest agents.

use std::time::Duration;

use qmp_testkit::{QemuProcess, Release};
use qmp_types::client::{Client, ClientConfig, Error, EventStream};
use qmp_types::qga::GuestAgent;
use qmp_types::serde::{Deserialize, Serialize};
use qmp_types::wire::ErrorClass;
use qmp_types::{EventSet, UnknownEvent};

#[derive(Debug, Serialize, qmp_types::Command)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "query-status", returns = StatusInfo)]
struct QueryStatus {}

#[derive(Debug, Deserialize)]
#[serde(crate = "qmp_types::serde")]
struct StatusInfo {
    running: bool,
    status: RunState,
}

/// Deliberately incomplete: QEMU knows many more run states.
#[derive(Debug, Clone, PartialEq, Eq, qmp_types::OpenEnum)]
enum RunState {
    #[qmp(rename = "running")]
    Running,
    #[qmp(rename = "paused")]
    Paused,
    #[qmp(unknown)]
    Unknown(String),
}

#[derive(Debug, Serialize, qmp_types::Command)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "stop")]
struct Stop {}

#[derive(Debug, Serialize, qmp_types::Command)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "cont")]
struct Cont {}

/// A downstream extension this QEMU does not have.
#[derive(Debug, Serialize, qmp_types::Command)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "__org.example_frobnicate")]
struct Frobnicate {
    level: i128,
}

#[derive(Debug, PartialEq, Deserialize, qmp_types::Event)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "STOP")]
struct StopEvent {}

#[derive(Debug, PartialEq, Deserialize, qmp_types::Event)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "RESUME")]
struct ResumeEvent {}

#[derive(Debug, PartialEq, qmp_types::EventSet)]
enum Events {
    #[qmp(name = "STOP")]
    Stop(StopEvent),
    Resume(ResumeEvent),
    #[qmp(unknown)]
    Unknown(UnknownEvent),
}

/// Knows `STOP` only, so `RESUME` arrives as the fallback.
#[derive(Debug, PartialEq, qmp_types::EventSet)]
enum OnlyStop {
    Stop(StopEvent),
    #[qmp(unknown)]
    Unknown(UnknownEvent),
}

#[derive(Debug, Serialize, qmp_types::Command)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "guest-info", returns = GuestAgentInfo)]
struct GuestInfo {}

#[derive(Debug, Deserialize)]
#[serde(crate = "qmp_types::serde")]
struct GuestAgentInfo {
    version: String,
    supported_commands: Vec<GuestAgentCommandInfo>,
}

#[derive(Debug, Deserialize)]
#[serde(crate = "qmp_types::serde")]
struct GuestAgentCommandInfo {
    name: String,
    enabled: bool,
}

async fn next<E: EventSet + std::fmt::Debug>(events: &mut EventStream<E>) -> E {
    let received = tokio::time::timeout(Duration::from_secs(10), events.recv())
        .await
        .expect("an event within 10 s")
        .expect("the stream is open")
        .expect("the event decodes");
    received.event
}

async fn status(client: &Client) -> StatusInfo {
    client.execute(&QueryStatus {}).await.expect("query-status")
}

#[tokio::test]
async fn derived_commands_enum_and_events_work_against_qemu() {
    for release in Release::ALL {
        let qemu = QemuProcess::system_none(release);
        let client = Client::connect_unix(qemu.socket(), ClientConfig::default())
            .await
            .expect("connect");
        let mut events = client.events::<Events>();
        let mut only_stop = client.events::<OnlyStop>();

        let before = status(&client).await;
        assert!(before.running, "{release:?}: {before:?}");
        assert_eq!(before.status, RunState::Running, "{release:?}");

        client.execute(&Stop {}).await.expect("stop");
        let paused = status(&client).await;
        assert!(!paused.running, "{release:?}: {paused:?}");
        assert_eq!(paused.status, RunState::Paused, "{release:?}");
        // STOP has no data: QEMU omits `data`, and the struct decodes from `{}`.
        assert_eq!(next(&mut events).await, Events::Stop(StopEvent {}));
        assert_eq!(next(&mut only_stop).await, OnlyStop::Stop(StopEvent {}));

        client.execute(&Cont {}).await.expect("cont");
        let resumed = next(&mut events).await;
        assert_eq!(resumed, Events::Resume(ResumeEvent {}), "{release:?}");
        assert_eq!(resumed.name(), "RESUME");
        match next(&mut only_stop).await {
            OnlyStop::Unknown(event) => assert_eq!(event.name, "RESUME", "{release:?}"),
            other => panic!("{release:?}: RESUME decoded as {other:?}"),
        }

        let error = client
            .execute(&Frobnicate { level: 1 })
            .await
            .expect_err("QEMU has no downstream extensions");
        assert!(
            matches!(&error, Error::Qmp { command, class: ErrorClass::CommandNotFound, .. }
                if command == "__org.example_frobnicate"),
            "{release:?}: {error}"
        );
    }
}

#[tokio::test]
async fn derived_guest_agent_command_works_against_qemu_ga() {
    for release in Release::ALL {
        let agent = QemuProcess::guest_agent(release);
        let client = GuestAgent::connect_unix(agent.socket(), ClientConfig::default())
            .await
            .expect("connect");
        let info = client.execute(&GuestInfo {}).await.expect("guest-info");
        assert_eq!(info.version, release.version());
        let own = info
            .supported_commands
            .iter()
            .find(|command| command.name == "guest-info")
            .expect("guest-info lists itself");
        assert!(own.enabled, "{release:?}");
    }
}
