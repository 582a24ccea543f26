//! Guest-agent commands that send no answer on success (`guest-shutdown`, `guest-suspend-*`),
//! against a fake agent: they must return as soon as they are written, whatever the agent
//! does next, and the connection stays usable. Never sent to the real agent, which runs on
//! this host (the live test runs it where `/sbin/shutdown` is a stub).

mod support;

use qmp_types::client::{ClientConfig, Error};
use qmp_types::qga::GuestAgent;
use qmp_types::Empty;
use serde::Serialize;
use serde_json::{json, Value};
use support::fake::{command, Fake};
use support::*;
use tokio::net::UnixStream;

/// `guest-shutdown`, hand-derived as a user without generated bindings would.
#[derive(Debug, Serialize, qmp_types::Command)]
#[qmp(name = "guest-shutdown", returns = Empty)]
struct GuestShutdown {
    mode: &'static str,
}

/// A client connected to a fake agent that answers `guest-info` with `info` (a success
/// value, or a whole error response when it has an `error` member).
async fn connect(info: Value) -> (Result<GuestAgent, Error>, Fake) {
    let (client_side, server_side) = UnixStream::pair().unwrap();
    let server = tokio::spawn(async move {
        let mut fake = Fake::new(server_side);
        let sync = fake.recv().await;
        fake.send_raw(&[0xFF]).await;
        fake.reply(&sync, sync["arguments"]["id"].clone()).await;
        let request = fake.recv().await;
        assert_eq!(command(&request), "guest-info");
        match info.get("error") {
            Some(error) => {
                fake.send(json!({"error": error, "id": request["id"]}))
                    .await
            }
            None => fake.reply(&request, info).await,
        }
        fake
    });
    let agent = within(
        10,
        "agent connect",
        GuestAgent::connect(client_side, ClientConfig::default()),
    )
    .await;
    (agent, server.await.unwrap())
}

fn commands(list: &[(&str, bool, bool)]) -> Value {
    let list: Vec<Value> = list
        .iter()
        .map(|(name, enabled, answers)| {
            json!({"name": name, "enabled": enabled, "success-response": answers})
        })
        .collect();
    json!({"version": "10.0.2", "supported_commands": list})
}

async fn ping(agent: &GuestAgent, fake: &mut Fake) {
    let call = {
        let agent = agent.clone();
        tokio::spawn(async move { agent.execute_raw("guest-ping", None).await })
    };
    let request = fake.recv().await;
    assert_eq!(command(&request), "guest-ping");
    fake.reply(&request, json!({})).await;
    assert_eq!(within(10, "ping", call).await.unwrap().unwrap(), json!({}));
}

#[tokio::test]
async fn a_command_without_success_response_returns_once_written() {
    let info = commands(&[
        ("guest-ping", true, true),
        ("guest-shutdown", true, false),
        ("guest-suspend-ram", true, false),
    ]);
    let (agent, mut fake) = connect(info).await;
    let agent = agent.unwrap();
    assert!(!agent.answers_on_success("guest-shutdown"));
    assert!(!agent.answers_on_success("guest-suspend-ram"));
    assert!(agent.answers_on_success("guest-ping"));

    // The fake has not even read the request when the call returns.
    let typed = within(
        5,
        "typed guest-shutdown",
        agent.execute(&GuestShutdown { mode: "halt" }),
    )
    .await;
    assert_eq!(typed.unwrap(), Empty {});
    let raw = within(
        5,
        "raw guest-suspend-ram",
        agent.execute_raw("guest-suspend-ram", None),
    )
    .await;
    assert_eq!(raw.unwrap(), json!({}));
    let shutdown = fake.recv().await;
    assert_eq!(command(&shutdown), "guest-shutdown");
    assert_eq!(shutdown["arguments"], json!({"mode": "halt"}));
    let suspend = fake.recv().await;
    assert_eq!(command(&suspend), "guest-suspend-ram");

    // Never answered, nine times over (more than the in-flight limit): none waits for a slot.
    for _ in 0..9 {
        within(
            5,
            "guest-shutdown",
            agent.execute(&GuestShutdown { mode: "halt" }),
        )
        .await
        .unwrap();
        fake.recv().await;
    }
    // A late error for one of them reaches nobody and disturbs nothing.
    fake.send(json!({"error": {"class": "GenericError", "desc": "child process has failed to shutdown"}, "id": shutdown["id"]}))
        .await;
    ping(&agent, &mut fake).await;
    assert!(!agent.is_closed());
}

#[tokio::test]
async fn a_disabled_command_waits_for_its_error() {
    let info = commands(&[("guest-shutdown", false, false)]);
    let (agent, mut fake) = connect(info).await;
    let agent = agent.unwrap();
    assert!(agent.answers_on_success("guest-shutdown"));
    let call = {
        let agent = agent.clone();
        tokio::spawn(async move { agent.execute(&GuestShutdown { mode: "halt" }).await })
    };
    let request = fake.recv().await;
    let desc = "Command guest-shutdown has been disabled";
    fake.send(json!({"error": {"class": "CommandNotFound", "desc": desc}, "id": request["id"]}))
        .await;
    match within(10, "disabled guest-shutdown", call).await.unwrap() {
        Err(Error::Qmp { command, class, .. }) => {
            assert_eq!(
                (command.as_str(), class.to_string().as_str()),
                ("guest-shutdown", "CommandNotFound")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_refused_guest_info_falls_back_to_the_documented_commands() {
    let refused = json!({"error": {"class": "CommandNotFound", "desc": "Command guest-info has been disabled"}});
    let (agent, _fake) = connect(refused).await;
    let agent = agent.unwrap();
    for name in qmp_types::qga_no_answer::DOCUMENTED {
        assert!(!agent.answers_on_success(name), "{name}");
    }
    assert!(agent.answers_on_success("guest-ping"));
}

#[tokio::test]
async fn a_guest_info_of_another_shape_is_a_decode_error() {
    let (agent, _fake) = connect(json!({"version": "10.0.2"})).await;
    match agent {
        Err(Error::Decode { command, source }) => {
            assert_eq!(command, "guest-info");
            assert!(
                source.to_string().contains("supported_commands"),
                "{source}"
            );
        }
        other => panic!("{other:?}"),
    }
}
