//! Fault tests of the async client against a fake server on a Unix socket pair, only for
//! faults real QEMU does not produce on demand: garbage bytes, half a message then close,
//! id-less errors, unknown ids, oversized messages, lagging subscribers, exact queueing.

mod support;

use std::time::Duration;

use futures::StreamExt;
use qmp_types::client::{
    Client, ClientConfig, Error, EventError, EventStream, OobUnavailable, ProtocolError,
};
use qmp_types::codec::CodecError;
use qmp_types::qga::GuestAgent;
use qmp_types::wire::{ErrorClass, Timestamp};
use serde_json::{json, Value};
use support::fake::{command, Fake};
use support::*;
use tokio::io::AsyncWriteExt;
use tokio::net::UnixStream;

/// A connected client and the fake server after the handshake (offering `capabilities`).
async fn start(capabilities: Value, config: ClientConfig) -> (Client, Fake) {
    let (client_side, server_side) = UnixStream::pair().unwrap();
    let server = tokio::spawn(async move {
        let mut fake = Fake::new(server_side);
        fake.greet_with(capabilities).await;
        let negotiation = fake.recv().await;
        assert_eq!(command(&negotiation), "qmp_capabilities");
        fake.reply(&negotiation, json!({})).await;
        fake
    });
    let client = within(10, "handshake", Client::connect(client_side, config))
        .await
        .unwrap();
    (client, server.await.unwrap())
}

fn spawn_call(client: &Client, name: &str) -> tokio::task::JoinHandle<Result<Value, Error>> {
    let client = client.clone();
    let name = name.to_owned();
    tokio::spawn(async move { client.execute_raw(&name, None).await })
}

#[tokio::test]
async fn garbage_ends_the_connection_but_keeps_earlier_answers() {
    let (client, mut fake) = start(json!([]), ClientConfig::default()).await;
    let first = spawn_call(&client, "first");
    let a = fake.recv().await;
    let second = spawn_call(&client, "second");
    let b = fake.recv().await;
    let answer = format!("{{\"return\": 1, \"id\": {}}}\r\n", a["id"]);
    let garbage_at = fake.written + answer.len();
    fake.send_raw(format!("{answer}Garbage").as_bytes()).await;
    assert_eq!(first.await.unwrap().unwrap(), json!(1));
    let error = within(10, "second", second).await.unwrap().unwrap_err();
    let Error::Disconnected { reason } = &error else {
        panic!("{error}")
    };
    assert!(
        reason.contains(&format!(
            "unexpected byte 0x47 at stream offset {garbage_at}"
        )),
        "{reason}"
    );
    assert_eq!(command(&b), "second");
    assert!(client.is_closed());
}

#[tokio::test]
async fn half_a_message_then_close() {
    let (client, mut fake) = start(json!([]), ClientConfig::default()).await;
    let call = spawn_call(&client, "query-status");
    let _ = fake.recv().await;
    fake.send_raw(b"{\"return\": {\"status\": ").await;
    drop(fake);
    let error = within(10, "call", call).await.unwrap().unwrap_err();
    assert!(
        matches!(&error, Error::Disconnected { reason } if reason.contains("ended inside a message")),
        "{error}"
    );
}

#[tokio::test]
async fn id_less_error_fails_only_lost_requests_and_resynchronises() {
    let (client, mut fake) = start(json!(["oob"]), ClientConfig::default()).await;
    let calls = futures::future::join4(
        client.execute_raw("first", None),
        client.execute_raw("poison", None),
        client.execute_raw("eaten", None),
        client.execute_raw("last", None),
    );
    let server = async {
        let first = fake.recv().await;
        let poison = fake.recv().await;
        let eaten = fake.recv().await;
        let last = fake.recv().await;
        assert_eq!(
            [
                command(&first),
                command(&poison),
                command(&eaten),
                command(&last)
            ],
            ["first", "poison", "eaten", "last"]
        );
        fake.reply(&first, json!("first")).await;
        // The server could not parse "poison", which also swallowed "eaten".
        fake.send(json!({"error": {"class": "GenericError", "desc": "JSON parse error, expecting value"}}))
            .await;
        fake.reply(&last, json!("last")).await;
        // The client resets the parser (0xFF, which provokes one more id-less error) and fences.
        let fence = fake.recv().await;
        assert_eq!(fake.resyncs(), 1);
        assert_eq!(command(&fence), "query-version");
        fake.send(json!({"error": {"class": "GenericError", "desc": "JSON parse error, stray '\\uFFFD'"}}))
            .await;
        fake.reply(&fence, json!({})).await;
        fake
    };
    let ((first, poison, eaten, last), mut fake) =
        within(10, "recovery", futures::future::join(calls, server)).await;
    assert_eq!(first.unwrap(), json!("first"));
    assert_eq!(last.unwrap(), json!("last"));
    for (lost, name) in [(poison, "poison"), (eaten, "eaten")] {
        let error = lost.unwrap_err();
        assert!(
            matches!(&error, Error::Protocol(ProtocolError::RequestLost { command, desc, .. })
                if command == name && desc.contains("expecting value")),
            "{error}"
        );
    }
    // The connection is healthy afterwards.
    let after = spawn_call(&client, "after");
    let request = fake.recv().await;
    fake.reply(&request, json!("after")).await;
    assert_eq!(after.await.unwrap().unwrap(), json!("after"));
    assert_eq!(fake.resyncs(), 1);
}

#[tokio::test]
async fn responses_with_unknown_ids_are_dropped() {
    let (client, mut fake) = start(json!([]), ClientConfig::default()).await;
    let call = spawn_call(&client, "query-status");
    let request = fake.recv().await;
    fake.send(json!({"return": "bogus", "id": 99999})).await;
    fake.send(json!({"return": "bogus", "id": "a string"}))
        .await;
    fake.send(json!({"return": "bogus"})).await;
    fake.send(json!({"unknown": "message"})).await;
    fake.reply(&request, json!("real")).await;
    assert_eq!(call.await.unwrap().unwrap(), json!("real"));
}

#[tokio::test]
async fn error_response_keeps_unknown_class() {
    let (client, mut fake) = start(json!([]), ClientConfig::default()).await;
    let call = spawn_call(&client, "frob");
    let request = fake.recv().await;
    fake.send(
        json!({"error": {"class": "FutureClass", "desc": "no frobbing"}, "id": request["id"]}),
    )
    .await;
    let error = call.await.unwrap().unwrap_err();
    assert!(
        matches!(&error, Error::Qmp { command, class: ErrorClass::Unknown(class), desc }
            if command == "frob" && class == "FutureClass" && desc == "no frobbing"),
        "{error}"
    );
}

#[tokio::test]
async fn never_ending_message_is_cut_at_the_size_limit() {
    let config = ClientConfig::default().max_message_size(1024);
    let (client, mut fake) = start(json!([]), config).await;
    let call = spawn_call(&client, "query-qmp-schema");
    let _ = fake.recv().await;
    let start = fake.written;
    fake.send_raw(b"{\"return\": \"").await;
    let chunk = [b'x'; 4096];
    let mut sent = 0usize;
    // The client must close the connection long before 64 MiB have been sent.
    while sent < 64 << 20 {
        if fake.writer.write_all(&chunk).await.is_err() {
            break;
        }
        sent += chunk.len();
    }
    assert!(
        sent < 64 << 20,
        "the client kept reading a never-ending message"
    );
    let error = within(10, "call", call).await.unwrap().unwrap_err();
    assert!(
        matches!(&error, Error::Disconnected { reason }
            if reason.contains(&format!("stream offset {start} exceeds the maximum size of 1024"))),
        "{error}"
    );
}

#[tokio::test]
async fn lagging_subscriber_observes_its_loss() {
    let (client, mut fake) = start(json!([]), ClientConfig::default().event_buffer(4)).await;
    let mut slow: EventStream<TestEvent> = client.lagging_events();
    for n in 0..10 {
        fake.send(json!({"event": "TEST", "data": {"n": n},
            "timestamp": {"seconds": 1000 + n, "microseconds": 5}}))
            .await;
    }
    // Events and answers share the stream, so once this answer arrived all events were seen.
    let call = spawn_call(&client, "sync");
    let request = fake.recv().await;
    fake.reply(&request, json!({})).await;
    call.await.unwrap().unwrap();
    let lag = slow.recv().await.unwrap().unwrap_err();
    assert!(matches!(lag, EventError::Lagged { missed: 6 }), "{lag}");
    for n in 6..10 {
        let received = slow.recv().await.unwrap().unwrap();
        let TestEvent::Unknown(event) = received.event else {
            panic!("TEST is not a known event")
        };
        assert_eq!(
            (event.name.as_str(), &event.data),
            ("TEST", &json!({"n": n}))
        );
        assert_eq!(
            received.timestamp,
            Timestamp {
                seconds: 1000 + n,
                microseconds: 5
            }
        );
    }
}

#[tokio::test]
async fn typed_events_decode_with_fallback_and_errors() {
    let (client, mut fake) = start(json!([]), ClientConfig::default()).await;
    let mut events: EventStream<TestEvent> = client.events();
    fake.send(json!({"event": "STOP", "timestamp": {"seconds": -1, "microseconds": -1}}))
        .await;
    fake.send(json!({"event": "RESUME", "data": "not an object",
        "timestamp": {"seconds": 1, "microseconds": 2}}))
        .await;
    fake.send(
        json!({"event": "NEW_EVENT", "data": {"x": 1}, "extra": true,
        "timestamp": {"seconds": 1, "microseconds": 2}}),
    )
    .await;
    let stop = events.recv().await.unwrap().unwrap();
    assert_eq!(stop.event, TestEvent::Stop);
    assert_eq!(stop.timestamp, Timestamp::UNKNOWN);
    let bad = events.recv().await.unwrap().unwrap_err();
    assert!(
        matches!(&bad, EventError::Decode { event, .. } if event == "RESUME"),
        "{bad}"
    );
    let new = events.recv().await.unwrap().unwrap();
    assert!(
        matches!(&new.event, TestEvent::Unknown(e) if e.name == "NEW_EVENT" && e.data == json!({"x": 1}))
    );
}

#[tokio::test]
async fn at_most_eight_in_band_in_flight_and_oob_jumps_the_queue() {
    let (client, mut fake) = start(json!(["oob"]), ClientConfig::default()).await;
    assert!(client.oob_enabled());
    const IN_BAND: usize = 20;
    let in_band = futures::future::join_all(
        (0..IN_BAND).map(|n| client.execute_raw("work", Some(json!({ "n": n })))),
    );
    let oob = client.execute_raw_oob("urgent", None);
    let server = async {
        let mut waiting = Vec::new();
        for _ in 0..8 {
            waiting.push(fake.recv().await);
        }
        // Eight in-band requests are in flight, so the next one can only be the OOB one.
        let urgent = fake.recv().await;
        assert_eq!(urgent["exec-oob"], "urgent", "{urgent}");
        fake.reply(&urgent, json!("urgent")).await;
        let mut received = 8;
        let mut answered = 0;
        while answered < IN_BAND {
            let request = waiting.remove(0);
            assert_eq!(request["execute"], "work");
            let n = request["arguments"]["n"].clone();
            fake.reply(&request, n).await;
            answered += 1;
            if received < IN_BAND {
                waiting.push(fake.recv().await);
                received += 1;
                // The client sends request k only after request k - 8 was answered.
                assert!(
                    received <= answered + 8,
                    "{received} sent, {answered} answered"
                );
            }
        }
        fake
    };
    let ((answers, urgent), _fake) = within(
        10,
        "queueing",
        futures::future::join(futures::future::join(in_band, oob), server),
    )
    .await;
    assert_eq!(urgent.unwrap(), json!("urgent"));
    for (n, answer) in answers.into_iter().enumerate() {
        assert_eq!(answer.unwrap(), json!(n));
    }
}

#[tokio::test]
async fn oob_refused_without_sending_when_not_allowed() {
    let (client, mut fake) = start(json!(["oob"]), ClientConfig::default()).await;
    let error = client.execute_oob(&QueryVersion {}).await.unwrap_err();
    assert!(
        matches!(&error, Error::OobNotAvailable { command, reason: OobUnavailable::NotAllowed }
            if command == "query-version"),
        "{error}"
    );
    let call = spawn_call(&client, "next");
    let request = fake.recv().await;
    assert_eq!(
        request["execute"], "next",
        "the refused call was sent: {request}"
    );
    fake.reply(&request, json!(0)).await;
    call.await.unwrap().unwrap();
}

#[tokio::test]
async fn cancelled_calls_are_skipped_or_their_late_answers_discarded() {
    let config = ClientConfig::default().max_in_flight(1);
    let (client, mut fake) = start(json!([]), config).await;
    let a = spawn_call(&client, "a");
    let request_a = fake.recv().await;
    // "b" waits in the client queue behind "a" and gives up there: it must never be sent.
    let hasty = client.with_timeout(Some(Duration::from_millis(50)));
    let b = hasty.execute_raw("b", None).await.unwrap_err();
    assert!(
        matches!(&b, Error::Timeout { command, .. } if command == "b"),
        "{b}"
    );
    fake.reply(&request_a, json!("a")).await;
    assert_eq!(a.await.unwrap().unwrap(), json!("a"));
    // "c" is sent and abandoned; its late answer must not reach "d".
    let c = hasty.execute_raw("c", None);
    let (c, request_c) = futures::future::join(c, fake.recv()).await;
    assert_eq!(
        request_c["execute"], "c",
        "cancelled `b` was sent: {request_c}"
    );
    assert!(matches!(c, Err(Error::Timeout { .. })));
    let d = spawn_call(&client, "d");
    fake.reply(&request_c, json!("late c")).await;
    let request_d = fake.recv().await;
    assert_eq!(request_d["execute"], "d");
    fake.reply(&request_d, json!("d")).await;
    assert_eq!(d.await.unwrap().unwrap(), json!("d"));
}

#[tokio::test]
async fn disconnect_fails_pending_calls_and_ends_event_streams() {
    let (client, mut fake) = start(json!([]), ClientConfig::default()).await;
    let mut events: EventStream<TestEvent> = client.events();
    let calls: Vec<_> = (0..3)
        .map(|n| spawn_call(&client, &format!("c{n}")))
        .collect();
    for _ in 0..3 {
        let _ = fake.recv().await;
    }
    drop(fake);
    for call in calls {
        let error = within(10, "pending call", call).await.unwrap().unwrap_err();
        assert!(
            matches!(&error, Error::Disconnected { reason } if reason.contains("closed the connection")),
            "{error}"
        );
    }
    assert!(within(10, "event stream end", events.next())
        .await
        .is_none());
    assert!(client.is_closed());
    let later = client.execute_raw("later", None).await.unwrap_err();
    assert!(matches!(later, Error::Disconnected { .. }), "{later}");
    // A subscription after the end is an ended stream, not a hanging one.
    assert!(client.events::<TestEvent>().next().await.is_none());
}

#[tokio::test]
async fn handshake_failures_are_clear() {
    // Silence: the handshake times out.
    let (client_side, _server_side) = UnixStream::pair().unwrap();
    let config = ClientConfig::default().handshake_timeout(Some(Duration::from_millis(100)));
    let error = Client::connect(client_side, config).await.unwrap_err();
    assert_handshake_timeout(&error, "greeting");
    // Something else than a greeting.
    let (client_side, mut server_side) = UnixStream::pair().unwrap();
    server_side.write_all(b"{\"return\": {}}\n").await.unwrap();
    let error = Client::connect(client_side, ClientConfig::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Protocol(ProtocolError::NoGreeting { .. })),
        "{error}"
    );
    // Not JSON at all.
    let (client_side, mut server_side) = UnixStream::pair().unwrap();
    server_side.write_all(b"SSH-2.0-OpenSSH\r\n").await.unwrap();
    let error = Client::connect(client_side, ClientConfig::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Protocol(ProtocolError::Stream(CodecError::Garbage {
                byte: b'S',
                offset: 0
            }))
        ),
        "{error}"
    );
}

#[tokio::test]
async fn id_less_error_during_negotiation_is_returned() {
    let (client_side, server_side) = UnixStream::pair().unwrap();
    let server = tokio::spawn(async move {
        let mut fake = Fake::new(server_side);
        fake.greet_with(json!([])).await;
        let negotiation = fake.recv().await;
        assert_eq!(command(&negotiation), "qmp_capabilities");
        fake.send(json!({"error": {"class": "GenericError", "desc": "JSON parse error, bad"}}))
            .await;
        fake
    });
    // No handshake timeout: before the fix the client waited forever.
    let config = ClientConfig::default().handshake_timeout(None);
    let error = within(10, "negotiation", Client::connect(client_side, config))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Qmp { command, class: ErrorClass::GenericError, desc }
            if command == "qmp_capabilities" && desc.contains("JSON parse error")),
        "{error}"
    );
    drop(server.await.unwrap());
}

#[tokio::test]
async fn malformed_answer_to_the_fence_still_ends_recovery() {
    let (client, mut fake) = start(json!([]), ClientConfig::default()).await;
    let lost = spawn_call(&client, "lost");
    let request = fake.recv().await;
    assert_eq!(command(&request), "lost");
    fake.send(json!({"error": {"class": "GenericError", "desc": "JSON parse error, x"}}))
        .await;
    let fence = fake.recv().await;
    assert_eq!(command(&fence), "query-version");
    // Not a valid error response (`error` must be an object), but it carries the fence's id.
    fake.send(json!({"error": "x", "id": fence["id"]})).await;
    let error = within(10, "lost call", lost).await.unwrap().unwrap_err();
    assert!(
        matches!(&error, Error::Protocol(ProtocolError::RequestLost { command, .. }) if command == "lost"),
        "{error}"
    );
    // Recovery is over: a new id-less error starts a new one (parser reset and fence).
    let next = spawn_call(&client, "next");
    let request = fake.recv().await;
    fake.send(json!({"error": {"class": "GenericError", "desc": "JSON parse error, y"}}))
        .await;
    let fence = fake.recv().await;
    assert_eq!(command(&fence), "query-version");
    assert_eq!(fake.resyncs(), 2);
    fake.reply(&fence, json!({})).await;
    let error = within(10, "next call", next).await.unwrap().unwrap_err();
    assert!(
        matches!(&error, Error::Protocol(ProtocolError::RequestLost { command, .. }) if command == "next"),
        "{error}: {request}"
    );
}

#[tokio::test]
async fn dropping_every_handle_closes_despite_unanswered_calls() {
    let (client, mut fake) = start(json!([]), ClientConfig::default()).await;
    let hung = spawn_call(&client, "hung");
    let request = fake.recv().await;
    assert_eq!(command(&request), "hung");
    hung.abort();
    assert!(hung.await.unwrap_err().is_cancelled());
    drop(client);
    // The abandoned call's answer would only be discarded: the client closes the socket.
    let end = within(10, "client close", fake.reader.next()).await;
    assert!(end.is_none(), "{end:?}");
}

/// A guest agent client and the fake agent after `guest-sync-delimited`.
async fn start_agent(config: ClientConfig) -> (GuestAgent, Fake) {
    let (client_side, server_side) = UnixStream::pair().unwrap();
    let server = tokio::spawn(async move {
        let mut fake = Fake::new(server_side);
        let sync = fake.recv().await;
        assert_eq!(command(&sync), "guest-sync-delimited");
        assert_eq!(fake.resyncs(), 1, "no parser reset before the sync");
        fake.send_raw(&[0xFF]).await;
        fake.reply(&sync, sync["arguments"]["id"].clone()).await;
        fake.answer_guest_info(json!([
            {"name": "guest-ping", "enabled": true, "success-response": true},
            {"name": "guest-shutdown", "enabled": true, "success-response": false},
        ]))
        .await;
        fake
    });
    let agent = within(10, "agent sync", GuestAgent::connect(client_side, config))
        .await
        .unwrap();
    (agent, server.await.unwrap())
}

#[tokio::test]
async fn abandoned_agent_calls_free_their_slots() {
    let (agent, mut fake) = start_agent(ClientConfig::default()).await;
    // Calls the agent never answers (it hangs); more of them than the in-flight limit.
    let mut hung = Vec::new();
    for _ in 0..9 {
        let agent = agent.clone();
        hung.push(tokio::spawn(async move {
            agent.execute_raw("guest-fstrim", None).await
        }));
    }
    for _ in 0..8 {
        let request = fake.recv().await;
        assert_eq!(command(&request), "guest-fstrim");
    }
    // The callers give up (a timeout does the same as this drop).
    for call in hung {
        call.abort();
        assert!(call.await.unwrap_err().is_cancelled());
    }
    let ping = {
        let agent = agent.clone();
        tokio::spawn(async move { agent.execute_raw("guest-ping", None).await })
    };
    let request = fake.recv().await;
    assert_eq!(
        command(&request),
        "guest-ping",
        "the cancelled ninth call was sent"
    );
    fake.reply(&request, json!({})).await;
    assert_eq!(within(10, "ping", ping).await.unwrap().unwrap(), json!({}));
}

#[tokio::test]
async fn agent_sync_through_execute_raw_keeps_the_connection() {
    let (agent, mut fake) = start_agent(ClientConfig::default()).await;
    let sync = {
        let agent = agent.clone();
        tokio::spawn(async move {
            agent
                .execute_raw("guest-sync-delimited", Some(json!({"id": 42})))
                .await
        })
    };
    let request = fake.recv().await;
    assert_eq!(command(&request), "guest-sync-delimited");
    // The agent puts 0xFF before this answer too.
    fake.send_raw(&[0xFF]).await;
    fake.reply(&request, json!(42)).await;
    assert_eq!(within(10, "sync", sync).await.unwrap().unwrap(), json!(42));
    let ping = {
        let agent = agent.clone();
        tokio::spawn(async move { agent.execute_raw("guest-ping", None).await })
    };
    let request = fake.recv().await;
    fake.reply(&request, json!({})).await;
    assert_eq!(within(10, "ping", ping).await.unwrap().unwrap(), json!({}));
    assert!(!agent.is_closed());
}
