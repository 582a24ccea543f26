//! Live tests of the async client against real QEMU 7.2 and 10.0.2 (system emulator with
//! `-machine none`, storage daemon, guest agent), started and stopped by `qmp_testkit`.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use qmp_testkit::{QemuProcess, Release};
use qmp_types::client::{
    Client, ClientConfig, Error, EventStream, Negotiating, OobUnavailable, ProtocolError,
};
use qmp_types::qga::GuestAgent;
use qmp_types::wire::{Capability, ErrorClass};
use qmp_types::UnknownEvent;
use serde_json::{json, Value};
use support::*;
use tokio::io::AsyncWriteExt;

async fn connect(qemu: &QemuProcess, config: ClientConfig) -> Client {
    // Retries by itself while QEMU has created the socket file but does not listen yet.
    within(20, "connect", Client::connect_unix(qemu.socket(), config))
        .await
        .expect("connect")
}

#[tokio::test]
async fn negotiates_with_and_without_oob() {
    for release in Release::ALL {
        let qemu = QemuProcess::system_none(release);
        let client = connect(&qemu, ClientConfig::default()).await;
        let greeting = client.greeting().expect("greeting");
        assert_eq!(greeting.qmp.version.qemu.to_string(), release.version());
        assert!(greeting.offers(&Capability::Oob));
        assert!(client.oob_enabled(), "{release:?}");
        let version = client.execute(&QueryVersion {}).await.unwrap();
        assert_eq!(version.qemu.to_string(), release.version());
        // OOB works once negotiated: migrate-pause answers (with an error) out of band.
        let error = client.execute_oob(&MigratePause {}).await.unwrap_err();
        assert!(
            matches!(&error, Error::Qmp { command, class: ErrorClass::GenericError, .. } if command == "migrate-pause"),
            "{error}"
        );
        drop(client);

        let qemu = QemuProcess::system_none(release);
        let client = connect(&qemu, ClientConfig::default().enable_oob(false)).await;
        assert!(!client.oob_enabled());
        let error = client.execute_oob(&QueryYank {}).await.unwrap_err();
        assert!(
            matches!(
                error,
                Error::OobNotAvailable {
                    reason: OobUnavailable::NotNegotiated,
                    ..
                }
            ),
            "{error}"
        );
        // The refusal happened without disturbing the connection.
        assert!(client.execute(&QueryStatus {}).await.unwrap().running);
    }
}

#[tokio::test]
async fn pre_negotiation_state_allows_choosing_capabilities() {
    for release in Release::ALL {
        let qemu = QemuProcess::system_none(release);
        let stream = tokio::net::UnixStream::connect(qemu.socket())
            .await
            .unwrap();
        let negotiating = Negotiating::start(stream, ClientConfig::default())
            .await
            .unwrap();
        assert_eq!(
            negotiating.greeting().qmp.version.qemu.to_string(),
            release.version()
        );
        // Enabling a capability the server did not offer is refused by the server.
        let error = negotiating
            .negotiate_with(vec![Capability::Unknown("no-such-cap".into())])
            .await
            .unwrap_err();
        assert!(
            matches!(&error, Error::Qmp { command, .. } if command == "qmp_capabilities"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn commands_before_negotiation_are_rejected_by_the_server() {
    // Why the pre-negotiation state is modelled: the server only accepts qmp_capabilities.
    let qemu = QemuProcess::system_none(Release::V10_0);
    let mut stream = tokio::net::UnixStream::connect(qemu.socket())
        .await
        .unwrap();
    stream
        .write_all(b"{\"execute\":\"query-status\",\"id\":1}")
        .await
        .unwrap();
    let mut reader = tokio_util_codec_reader(stream);
    let greeting = reader.next().await.unwrap().unwrap();
    assert!(greeting.get("QMP").is_some());
    let answer = reader.next().await.unwrap().unwrap();
    assert_eq!(answer["error"]["class"], "CommandNotFound", "{answer}");
}

fn tokio_util_codec_reader(
    stream: tokio::net::UnixStream,
) -> tokio_util::codec::FramedRead<tokio::net::UnixStream, qmp_types::codec::JsonCodec> {
    tokio_util::codec::FramedRead::new(stream, qmp_types::codec::JsonCodec::default())
}

#[tokio::test]
async fn concurrent_callers_get_their_own_answers() {
    for release in Release::ALL {
        let qemu = QemuProcess::system_none(release);
        let client = connect(&qemu, ClientConfig::default()).await;
        let all = client
            .execute(&QueryCommandLineOptions { option: None })
            .await
            .unwrap();
        let names: Vec<String> = all.into_iter().map(|info| info.option).collect();
        assert!(names.len() > 20, "{names:?}");
        let mut tasks = Vec::new();
        for round in 0..4 {
            for name in &names {
                let client = client.clone();
                let name = name.clone();
                tasks.push(tokio::spawn(async move {
                    let answer = client
                        .execute(&QueryCommandLineOptions {
                            option: Some(name.clone()),
                        })
                        .await
                        .unwrap();
                    assert_eq!(answer.len(), 1, "{name} round {round}");
                    assert_eq!(answer[0].option, name);
                    answer[0].parameters.len()
                }));
            }
        }
        let count = tasks.len();
        for task in tasks {
            within(30, "concurrent calls", task).await.unwrap();
        }
        assert_eq!(count, names.len() * 4);
    }
}

#[tokio::test]
async fn oob_overtakes_queued_in_band_commands() {
    for release in Release::ALL {
        let qemu = QemuProcess::system_none(release);
        let client = connect(&qemu, ClientConfig::default()).await;
        let done = Arc::new(AtomicUsize::new(0));
        let order = |client: Client, done: Arc<AtomicUsize>, oob: bool| async move {
            if oob {
                client.execute_oob(&QueryYank {}).await.unwrap();
            } else {
                let schema = client.execute(&QueryQmpSchema {}).await.unwrap();
                assert!(schema.len() > 1000);
            }
            done.fetch_add(1, Ordering::SeqCst)
        };
        const IN_BAND: usize = 16;
        let in_band: Vec<_> = (0..IN_BAND)
            .map(|_| order(client.clone(), done.clone(), false))
            .collect();
        // join_all polls the in-band calls first, so they are submitted before the OOB one.
        let all = futures::future::join(
            futures::future::join_all(in_band),
            order(client.clone(), done.clone(), true),
        );
        let (in_band_positions, oob_position) = within(60, "oob overtaking", all).await;
        assert!(in_band_positions.iter().all(|p| *p != oob_position));
        // With 8 in flight and 8 more queued in the client, the OOB command must still get
        // through ahead of most of them.
        assert!(
            oob_position < IN_BAND / 2,
            "{release:?}: OOB finished at position {oob_position} of {}",
            IN_BAND + 1
        );
    }
}

#[tokio::test]
async fn stop_and_cont_give_stop_and_resume_events() {
    for release in Release::ALL {
        let qemu = QemuProcess::system_none(release);
        let client = connect(&qemu, ClientConfig::default()).await;
        let mut typed: EventStream<TestEvent> = client.events();
        let mut raw: EventStream<UnknownEvent> = client.events();
        client.execute(&Stop {}).await.unwrap();
        assert_eq!(
            client.execute(&QueryStatus {}).await.unwrap().status,
            "paused"
        );
        client.execute(&Cont {}).await.unwrap();
        let first = within(10, "STOP", typed.recv()).await.unwrap().unwrap();
        let second = within(10, "RESUME", typed.recv()).await.unwrap().unwrap();
        assert_eq!(first.event, TestEvent::Stop);
        assert_eq!(second.event, TestEvent::Resume);
        let stamp = first
            .timestamp
            .to_system_time()
            .expect("QEMU knows the time");
        assert!(stamp.elapsed().unwrap() < Duration::from_secs(600));
        let key = |t: qmp_types::wire::Timestamp| (t.seconds, t.microseconds);
        assert!(key(first.timestamp) <= key(second.timestamp));
        let raw_first = within(10, "raw STOP", raw.recv()).await.unwrap().unwrap();
        assert_eq!(raw_first.event.name, "STOP");
        assert_eq!(raw_first.timestamp, first.timestamp);
    }
}

#[tokio::test]
async fn qemu_killed_mid_call_fails_every_pending_call() {
    for release in Release::ALL {
        let mut qemu = QemuProcess::system_none(release);
        let client = connect(&qemu, ClientConfig::default()).await;
        let mut events: EventStream<UnknownEvent> = client.events();
        let calls: Vec<_> = (0..20)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { client.execute(&QueryQmpSchema {}).await })
            })
            .collect();
        tokio::task::yield_now().await;
        qemu.kill();
        let mut disconnected = 0;
        for call in calls {
            match within(10, "pending call after kill", call).await.unwrap() {
                Ok(_) => {}
                Err(Error::Disconnected { reason }) => {
                    assert!(!reason.is_empty());
                    disconnected += 1;
                }
                Err(other) => panic!("unexpected {other}"),
            }
        }
        assert!(
            disconnected > 0,
            "{release:?}: QEMU answered all 20 before dying"
        );
        assert!(within(10, "event stream end", events.next())
            .await
            .is_none());
        let later = client.execute(&QueryStatus {}).await.unwrap_err();
        assert!(matches!(later, Error::Disconnected { .. }), "{later}");
        assert!(client.is_closed());
    }
}

#[tokio::test]
async fn pretty_printed_output_is_framed() {
    for release in Release::ALL {
        let qemu = QemuProcess::system_pretty(release);
        let client = connect(&qemu, ClientConfig::default()).await;
        let schema = client.execute(&QueryQmpSchema {}).await.unwrap();
        assert!(schema.len() > 1000);
        let version = client.execute(&QueryVersion {}).await.unwrap();
        assert_eq!(version.qemu.to_string(), release.version());
    }
}

#[tokio::test]
async fn timeouts_and_cancellation_leave_the_connection_healthy() {
    for release in Release::ALL {
        let qemu = QemuProcess::system_none(release);
        let client = connect(&qemu, ClientConfig::default()).await;
        let hasty = client.with_timeout(Some(Duration::from_micros(1)));
        let error = hasty.execute(&QueryQmpSchema {}).await.unwrap_err();
        assert!(
            matches!(&error, Error::Timeout { command, .. } if command == "query-qmp-schema"),
            "{error}"
        );
        // A dropped call: start it, then abandon it.
        let abandoned = client.execute(&QueryQmpSchema {});
        let _ = tokio::time::timeout(Duration::from_micros(1), abandoned).await;
        // The late answers (big schemas) are discarded; the next call gets its own answer.
        for name in ["machine", "name", "smp-opts"] {
            let answer = client
                .execute(&QueryCommandLineOptions {
                    option: Some(name.into()),
                })
                .await
                .unwrap();
            assert_eq!(answer[0].option, name);
        }
    }
}

#[tokio::test]
async fn id_less_parse_error_from_qemu_is_recovered() {
    for release in Release::ALL {
        let qemu = QemuProcess::system_none(release);
        let client = connect(&qemu, ClientConfig::default()).await;
        // U+FFFF is valid UTF-8 (and valid JSON) but a Unicode noncharacter, which QEMU's JSON
        // parser refuses with an error that has no id: the request is lost. (Over-deep
        // nesting also gives id-less errors, but as a cascade that can overflow QEMU's own
        // request queue and abort it, in 7.2 and 10.0 alike.)
        let (before, lost, after) = futures::future::join3(
            client.execute(&QueryVersion {}),
            client.execute_raw("query-status", Some(json!({ "x": "\u{FFFF}" }))),
            client.execute(&QueryStatus {}),
        )
        .await;
        let lost = lost.unwrap_err();
        assert!(
            matches!(&lost, Error::Protocol(ProtocolError::RequestLost { command, desc, .. })
                if command == "query-status" && desc.contains("invalid UTF-8")),
            "{release:?}: {lost}"
        );
        assert_eq!(before.unwrap().qemu.to_string(), release.version());
        assert!(after.unwrap().running);
        // The parser was reset and fenced: the connection keeps working.
        assert!(client.execute(&QueryStatus {}).await.unwrap().running);
    }
}

#[tokio::test]
async fn tcp_transport() {
    let release = Release::V10_0;
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let binary = release.binary("qemu-system-x86_64");
    let _qemu = QemuProcess::spawn(&binary, |socket| {
        vec![
            "-machine".into(),
            "none".into(),
            "-nodefaults".into(),
            "-display".into(),
            "none".into(),
            "-qmp".into(),
            format!("tcp:127.0.0.1:{port},server=on,wait=off"),
            "-qmp".into(),
            format!("unix:{},server=on,wait=off", socket.display()),
        ]
    });
    let client = within(
        10,
        "tcp connect",
        Client::connect_tcp(format!("127.0.0.1:{port}"), ClientConfig::default()),
    )
    .await
    .unwrap();
    assert!(client.oob_enabled());
    assert!(client.execute(&QueryStatus {}).await.unwrap().running);
}

#[tokio::test]
async fn storage_daemon() {
    for release in Release::ALL {
        let daemon = QemuProcess::storage_daemon(release);
        let client = connect(&daemon, ClientConfig::default()).await;
        let version = client.execute(&QueryVersion {}).await.unwrap();
        assert_eq!(version.qemu.to_string(), release.version());
        let nodes = client
            .execute_raw("query-named-block-nodes", None)
            .await
            .unwrap();
        assert_eq!(nodes, json!([]));
        let error = client
            .execute_raw("no-such-command", None)
            .await
            .unwrap_err();
        assert!(
            matches!(
                &error,
                Error::Qmp {
                    class: ErrorClass::CommandNotFound,
                    ..
                }
            ),
            "{error}"
        );
    }
}

#[tokio::test]
async fn guest_agent_syncs_past_leftovers() {
    for release in Release::ALL {
        let agent = QemuProcess::guest_agent(release);
        let mut stream = tokio::net::UnixStream::connect(agent.socket())
            .await
            .unwrap();
        // A previous client's leftovers: an unread answer and half a request.
        stream
            .write_all(b"{\"execute\":\"guest-ping\"} {\"execute\": \"guest-info\", \"argu")
            .await
            .unwrap();
        let ga = within(
            10,
            "guest agent sync",
            GuestAgent::connect(stream, ClientConfig::default()),
        )
        .await
        .unwrap();
        assert!(ga.sync_id() > 0);
        ga.execute(&GuestPing {}).await.unwrap();
        let info = ga.execute(&GuestInfo {}).await.unwrap();
        assert_eq!(info.version, release.version());
        let time: Value = ga.execute_raw("guest-get-time", None).await.unwrap();
        assert!(time.as_u64().unwrap() > 1_000_000_000_000_000_000);
        // A sync through the ordinary call path: the agent's 0xFF before the answer is
        // skipped, not taken for garbage that ends the connection.
        let echoed = ga
            .execute_raw("guest-sync-delimited", Some(json!({"id": 4711})))
            .await
            .unwrap();
        assert_eq!(echoed, json!(4711), "{release:?}");
        ga.execute(&GuestPing {}).await.unwrap();

        // qemu-ga serves one client at a time: the next one is served once this one is gone.
        drop(ga);
        let again = within(
            10,
            "second sync",
            GuestAgent::connect_unix(agent.socket(), ClientConfig::default()),
        )
        .await
        .unwrap();
        again.execute(&GuestPing {}).await.unwrap();
    }
}

#[tokio::test]
async fn qmp_client_on_a_guest_agent_socket_times_out_instead_of_hanging() {
    let agent = QemuProcess::guest_agent(Release::V10_0);
    let config = ClientConfig::default().handshake_timeout(Some(Duration::from_millis(300)));
    let error = Client::connect_unix(agent.socket(), config)
        .await
        .unwrap_err();
    assert_handshake_timeout(&error, "greeting");
}

#[tokio::test]
async fn qemu_stdio_as_transport() {
    for release in Release::ALL {
        let mut child = tokio::process::Command::new(release.binary("qemu-system-x86_64"))
            .args(["-machine", "none", "-nodefaults", "-display", "none"])
            .args(["-qmp", "stdio"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start QEMU");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let io = tokio::io::join(stdout, stdin);
        let client = within(
            10,
            "stdio connect",
            Client::connect(io, ClientConfig::default()),
        )
        .await
        .unwrap();
        let version = client.execute(&QueryVersion {}).await.unwrap();
        assert_eq!(version.qemu.to_string(), release.version());
        client.execute_raw("quit", None).await.unwrap();
        let status = within(10, "QEMU exit", child.wait()).await.unwrap();
        assert!(status.success());
        let after = client.execute(&QueryStatus {}).await.unwrap_err();
        assert!(matches!(after, Error::Disconnected { .. }), "{after}");
    }
}
