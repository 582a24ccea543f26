//! Fault injection against the async client (issue #5), beyond the client's own fault tests
//! (`client_faults.rs`): a byte-at-a-time server; never-ending messages with the bytes the
//! client read counted at the transport; invalid UTF-8; duplicate and unknown ids while other
//! callers wait; a storm of id-less errors with every in-flight slot taken; the socket closed
//! half-way through a message with calls in flight *and* queued; servers that stall in the
//! middle of the handshake; and real QEMU killed with SIGKILL during an event burst and under
//! load. Each case: no panic, no hang past its timeout, every pending caller gets an answer
//! or an error, nothing left in the connection driver.

mod support;

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::StreamExt;
use qmp_testkit::{QemuProcess, Release};
use qmp_types::client::{Client, ClientConfig, Error, EventError, EventStream, ProtocolError};
use qmp_types::codec::CodecError;
use qmp_types::UnknownEvent;
use serde_json::{json, Value};
use support::fake::Fake;
use support::*;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::UnixStream;
use tokio::task::JoinHandle;

/// A transport that counts the bytes the client read from it.
struct Counted {
    inner: UnixStream,
    read: Arc<AtomicU64>,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        let got = buf.filled().len() - before;
        self.read.fetch_add(got as u64, Ordering::SeqCst);
        result
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A client connected to a fake server over a socket pair, with the bytes it read counted.
async fn start(config: ClientConfig, byte_at_a_time: bool) -> (Client, Fake, Arc<AtomicU64>) {
    let (client_side, server_side) = UnixStream::pair().expect("socket pair");
    let read = Arc::new(AtomicU64::new(0));
    let transport = Counted {
        inner: client_side,
        read: read.clone(),
    };
    let server = tokio::spawn(async move {
        let mut fake = Fake::new(server_side);
        fake.byte_at_a_time = byte_at_a_time;
        fake.handshake().await;
        fake
    });
    let client = within(30, "handshake", Client::connect(transport, config))
        .await
        .expect("handshake");
    (client, server.await.expect("fake server"), read)
}

fn spawn_call(client: &Client, name: &str, n: u64) -> JoinHandle<Result<Value, Error>> {
    let client = client.clone();
    let name = name.to_owned();
    tokio::spawn(async move { client.execute_raw(&name, Some(json!({ "n": n }))).await })
}

/// Waits until the driver holds no request (its count is published when it goes idle).
async fn drained(client: &Client) {
    within(10, "driver drained", async {
        while client.pending_calls() != 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
}

fn disconnected_because(error: &Error, needle: &str) -> bool {
    matches!(error, Error::Disconnected { reason } if reason.contains(needle))
}

#[tokio::test]
async fn byte_at_a_time_server_is_framed_and_answered() {
    let (client, mut fake, _) = start(ClientConfig::default(), true).await;
    let mut events: EventStream<UnknownEvent> = client.events();
    let calls: Vec<_> = (0..12).map(|n| spawn_call(&client, "work", n)).collect();
    let mut requests = Vec::new();
    while requests.len() < 8 {
        requests.push(fake.recv().await);
    }
    // Answer in reverse order, pretty-printed, with brackets and quotes inside strings, and
    // an event in between; then the four queued requests.
    for (i, request) in requests.iter().rev().enumerate() {
        let n = &request["arguments"]["n"];
        let text = format!(
            "{{\n  \"return\": {{\"n\": {n}, \"s\": \"}}{{\\\"[\\\\\"}},\n  \"id\": {}\n}}\r\n",
            request["id"]
        );
        fake.send_raw(text.as_bytes()).await;
        if i == 3 {
            fake.send(json!({"event": "SLOW", "data": {"i": i},
                "timestamp": {"seconds": 1, "microseconds": 2}}))
                .await;
        }
    }
    for _ in 0..4 {
        let request = fake.recv().await;
        let n = request["arguments"]["n"].clone();
        fake.reply(&request, json!({"n": n, "s": "}{\"[\\"})).await;
    }
    for (n, call) in calls.into_iter().enumerate() {
        let answer = within(30, "byte-at-a-time call", call)
            .await
            .expect("task")
            .expect("answer");
        assert_eq!(answer, json!({"n": n, "s": "}{\"[\\"}));
    }
    let event = within(10, "event", events.recv())
        .await
        .expect("stream open")
        .expect("event");
    assert_eq!(event.event.name, "SLOW");
    drained(&client).await;
}

#[tokio::test]
async fn never_ending_answer_is_cut_with_memory_bounded_by_the_limit() {
    const LIMIT: usize = 1 << 20;
    let config = ClientConfig::default().max_message_size(LIMIT);
    let (client, mut fake, read) = start(config, false).await;
    let calls: Vec<_> = (0..20).map(|n| spawn_call(&client, "query-x", n)).collect();
    for _ in 0..8 {
        let _ = fake.recv().await;
    }
    let start = fake.written;
    fake.send_raw(b"{\"return\": \"").await;
    let chunk = vec![b'x'; 64 * 1024];
    let mut sent = 0usize;
    while sent < 256 << 20 {
        if fake.writer.write_all(&chunk).await.is_err() {
            break;
        }
        sent += chunk.len();
    }
    for call in calls {
        let error = within(10, "call", call).await.expect("task").unwrap_err();
        assert!(
            disconnected_because(
                &error,
                &format!("stream offset {start} exceeds the maximum size of {LIMIT} bytes")
            ),
            "{error}"
        );
    }
    // The client stopped reading soon after the limit: what it read of the message (its
    // framing buffer plus at most one read) stays within twice the limit plus one read size,
    // although the server tried to send 256 MiB.
    let of_message = read.load(Ordering::SeqCst) - start as u64;
    assert!(
        of_message <= 2 * LIMIT as u64 + 64 * 1024,
        "the client read {of_message} bytes of an oversized message (limit {LIMIT})"
    );
    assert!(sent < 256 << 20, "the client never closed the connection");
    eprintln!("oversized answer: the client read {of_message} bytes of it (limit {LIMIT}), the server sent {sent}");
    assert!(client.is_closed());
    assert_eq!(client.pending_calls(), 0);
}

#[tokio::test]
async fn never_ending_greeting_is_cut_at_the_limit() {
    const LIMIT: usize = 64 * 1024;
    let (client_side, server_side) = UnixStream::pair().expect("socket pair");
    let read = Arc::new(AtomicU64::new(0));
    let transport = Counted {
        inner: client_side,
        read: read.clone(),
    };
    let server = tokio::spawn(async move {
        let mut fake = Fake::new(server_side);
        fake.send_raw(b"{\"QMP\": {\"version\": \"").await;
        let chunk = vec![b'v'; 16 * 1024];
        let mut sent = 0usize;
        while sent < 64 << 20 && fake.writer.write_all(&chunk).await.is_ok() {
            sent += chunk.len();
        }
        sent
    });
    let config = ClientConfig::default().max_message_size(LIMIT);
    let error = within(30, "handshake", Client::connect(transport, config))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Protocol(ProtocolError::Stream(CodecError::TooLarge {
                offset: 0,
                limit: LIMIT
            }))
        ),
        "{error}"
    );
    let sent = within(10, "fake server", server).await.expect("fake");
    assert!(sent < 64 << 20, "the client kept reading");
    assert!(read.load(Ordering::SeqCst) <= 2 * LIMIT as u64 + 64 * 1024);
}

#[tokio::test]
async fn invalid_utf8_ends_the_connection_after_earlier_answers() {
    let config = ClientConfig::default().max_in_flight(2);
    let (client, mut fake, _) = start(config, false).await;
    let mut events: EventStream<UnknownEvent> = client.events();
    let calls: Vec<_> = (0..6).map(|n| spawn_call(&client, "c", n)).collect();
    let first = fake.recv().await;
    let second = fake.recv().await;
    fake.reply(&first, json!("first")).await;
    fake.send(json!({"event": "BEFORE", "timestamp": {"seconds": 1, "microseconds": 2}}))
        .await;
    // The answer to `second` has an invalid UTF-8 sequence inside its string.
    let mut bad = b"{\"return\": \"ab\xc3\x28".to_vec();
    bad.extend_from_slice(format!("\", \"id\": {}}}\r\n", second["id"]).as_bytes());
    let bad_at = fake.written + bad.iter().position(|&b| b == 0xC3).expect("bad byte");
    fake.send_raw(&bad).await;
    let mut results = Vec::new();
    for call in calls {
        results.push(within(10, "call", call).await.expect("task"));
    }
    assert_eq!(results[0].as_ref().expect("first answer"), &json!("first"));
    for result in &results[1..] {
        let error = result.as_ref().unwrap_err();
        assert!(
            disconnected_because(error, &format!("invalid UTF-8 at stream offset {bad_at}")),
            "{error}"
        );
    }
    let before = within(10, "event", events.recv()).await.expect("event");
    assert_eq!(before.expect("decoded").event.name, "BEFORE");
    assert!(within(10, "stream end", events.recv()).await.is_none());
    assert_eq!(client.pending_calls(), 0);
}

#[tokio::test]
async fn invalid_utf8_in_an_event_ends_the_connection() {
    let (client, mut fake, _) = start(ClientConfig::default(), false).await;
    let call = spawn_call(&client, "c", 0);
    let _ = fake.recv().await;
    fake.send_raw(
        b"{\"event\": \"X\xff\xfe\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}\r\n",
    )
    .await;
    let error = within(10, "call", call).await.expect("task").unwrap_err();
    assert!(disconnected_because(&error, "invalid UTF-8"), "{error}");
}

#[tokio::test]
async fn duplicate_and_unknown_ids_never_reach_another_caller() {
    let (client, mut fake, _) = start(ClientConfig::default(), false).await;
    // A call that times out: its id becomes stale.
    let hasty = client.with_timeout(Some(Duration::from_millis(20)));
    let stale = {
        let hasty = hasty.clone();
        tokio::spawn(async move { hasty.execute_raw("stale", None).await })
    };
    let stale_request = fake.recv().await;
    assert!(matches!(
        within(10, "stale", stale).await.expect("task"),
        Err(Error::Timeout { .. })
    ));
    let a = spawn_call(&client, "a", 1);
    let request_a = fake.recv().await;
    let b = spawn_call(&client, "b", 2);
    let request_b = fake.recv().await;
    fake.reply(&request_a, json!("a")).await;
    assert_eq!(
        within(10, "a", a).await.expect("task").expect("a"),
        json!("a")
    );
    // Now only `b` waits: duplicates of `a`, the stale id, the handshake's id, ids the client
    // never used and ids of other JSON types must all be dropped, not given to `b`.
    fake.reply(&request_a, json!("a again")).await;
    fake.send(
        json!({"error": {"class": "GenericError", "desc": "a again"}, "id": request_a["id"]}),
    )
    .await;
    fake.reply(&stale_request, json!("late stale")).await;
    for id in [
        json!(0),
        json!(u64::MAX),
        json!(-1),
        json!(1.5),
        json!("2"),
        json!(null),
        json!([2]),
    ] {
        fake.send(json!({"return": "made up", "id": id})).await;
    }
    let c = spawn_call(&client, "c", 3);
    let request_c = fake.recv().await;
    // `c` is pending too now; another duplicate of `a` must not reach it either.
    fake.reply(&request_a, json!("a third time")).await;
    fake.reply(&request_c, json!("c")).await;
    fake.reply(&request_b, json!("b")).await;
    fake.reply(&request_b, json!("b again")).await;
    assert_eq!(
        within(10, "b", b).await.expect("task").expect("b"),
        json!("b")
    );
    assert_eq!(
        within(10, "c", c).await.expect("task").expect("c"),
        json!("c")
    );
    // The connection is healthy and holds nothing.
    let d = spawn_call(&client, "d", 4);
    let request_d = fake.recv().await;
    fake.reply(&request_d, json!("d")).await;
    assert_eq!(
        within(10, "d", d).await.expect("task").expect("d"),
        json!("d")
    );
    drained(&client).await;
}

#[tokio::test]
async fn id_less_error_storm_with_every_slot_taken_resynchronises_once() {
    let config = ClientConfig::default().max_in_flight(2);
    let (client, mut fake, _) = start(config, false).await;
    let calls: Vec<_> = (0..6).map(|n| spawn_call(&client, "c", n)).collect();
    let lost_1 = fake.recv().await;
    let lost_2 = fake.recv().await;
    // Both in-flight requests were eaten by a parse error, reported fifty times over.
    for k in 0..50 {
        fake.send(json!({"error": {"class": "GenericError", "desc": format!("parse error {k}")}}))
            .await;
    }
    // The fence is sent although both slots are taken.
    let fence = fake.recv().await;
    assert_eq!(fence["execute"], "query-version", "{fence}");
    assert_eq!(fake.reader.decoder().sentinels_skipped(), 1);
    fake.reply(&fence, json!({})).await;
    // The four queued calls go out now, and are answered.
    for _ in 0..4 {
        let request = fake.recv().await;
        let n = request["arguments"]["n"].clone();
        fake.reply(&request, n).await;
    }
    let mut results = Vec::new();
    for call in calls {
        results.push(within(10, "call", call).await.expect("task"));
    }
    for (result, request) in results[..2].iter().zip([&lost_1, &lost_2]) {
        let error = result.as_ref().unwrap_err();
        assert!(
            matches!(error, Error::Protocol(ProtocolError::RequestLost { desc, .. })
                if desc == "parse error 0"),
            "{request}: {error}"
        );
    }
    for (n, result) in results.iter().enumerate().skip(2) {
        assert_eq!(result.as_ref().expect("answer"), &json!(n));
    }
    assert_eq!(
        fake.reader.decoder().sentinels_skipped(),
        1,
        "one incident, one resync"
    );
    drained(&client).await;
}

#[tokio::test]
async fn close_half_way_fails_in_flight_queued_and_oob_calls() {
    let (client, mut fake, _) = start(ClientConfig::default(), false).await;
    let mut events: EventStream<UnknownEvent> = client.events();
    let in_band: Vec<_> = (0..20).map(|n| spawn_call(&client, "c", n)).collect();
    let oob = {
        let client = client.clone();
        tokio::spawn(async move { client.execute_raw_oob("urgent", None).await })
    };
    for _ in 0..9 {
        let _ = fake.recv().await;
    }
    fake.send_raw(b"{\"return\": {\"half\": [1, 2, ").await;
    drop(fake);
    for call in in_band.into_iter().chain([oob]) {
        let error = within(10, "call", call).await.expect("task").unwrap_err();
        assert!(
            disconnected_because(&error, "stream ended inside a message"),
            "{error}"
        );
    }
    assert!(within(10, "stream end", events.next()).await.is_none());
    let later = within(10, "later call", client.execute_raw("later", None))
        .await
        .unwrap_err();
    assert!(matches!(later, Error::Disconnected { .. }), "{later}");
    assert_eq!(client.pending_calls(), 0);
}

#[tokio::test]
async fn stalls_inside_the_handshake_time_out() {
    let config = ClientConfig::default().handshake_timeout(Some(Duration::from_millis(200)));
    // Half a greeting, then silence.
    let (client_side, server_side) = UnixStream::pair().expect("socket pair");
    let mut fake = Fake::new(server_side);
    fake.send_raw(b"{\"QMP\": {\"version\": ").await;
    let error = within(
        10,
        "handshake",
        Client::connect(client_side, config.clone()),
    )
    .await
    .unwrap_err();
    assert_handshake_timeout(&error, "greeting");
    // A greeting, then no answer to the negotiation.
    let (client_side, server_side) = UnixStream::pair().expect("socket pair");
    let mut fake = Fake::new(server_side);
    fake.greet().await;
    let error = within(
        10,
        "handshake",
        Client::connect(client_side, config.clone()),
    )
    .await
    .unwrap_err();
    assert_handshake_timeout(&error, "capabilities negotiation");
    assert_eq!(fake.recv().await["execute"], "qmp_capabilities");
    // A greeting, then the connection closes before the answer.
    let (client_side, server_side) = UnixStream::pair().expect("socket pair");
    let mut fake = Fake::new(server_side);
    fake.greet().await;
    let server = tokio::spawn(async move {
        let _ = fake.recv().await;
        drop(fake);
    });
    let error = within(10, "handshake", Client::connect(client_side, config))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Disconnected { .. }), "{error}");
    server.await.expect("fake server");
}

async fn connect_qemu(qemu: &QemuProcess, config: ClientConfig) -> Client {
    // Retries by itself while QEMU has created the socket file but does not listen yet.
    Client::connect_unix(qemu.socket(), config)
        .await
        .expect("connect")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qemu_killed_during_an_event_burst() {
    for release in Release::ALL {
        let mut qemu = QemuProcess::system_none(release);
        let client = connect_qemu(&qemu, ClientConfig::default().event_buffer(8)).await;
        let mut events: EventStream<UnknownEvent> = client.lagging_events();
        // A subscriber that never reads: it lags, and must still see the end.
        let mut lagging: EventStream<UnknownEvent> = client.lagging_events();
        // Eight tasks toggle the VM as fast as QEMU allows: a STOP or RESUME event per call.
        let togglers: Vec<_> = (0..8)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move {
                    loop {
                        client.execute(&Stop {}).await?;
                        client.execute(&Cont {}).await?;
                    }
                })
            })
            .collect();
        let mut seen = 0;
        while seen < 300 {
            match within(30, "events", events.recv()).await {
                Some(Ok(event)) => {
                    assert!(["STOP", "RESUME"].contains(&event.event.name.as_str()));
                    seen += 1;
                }
                // Under load even the reading subscriber may fall behind its 8 events.
                Some(Err(lag)) => assert!(matches!(lag, EventError::Lagged { .. }), "{lag}"),
                None => panic!("the stream ended before the kill"),
            }
        }
        qemu.kill();
        for toggler in togglers {
            let result: Result<(), Error> = within(10, "toggler", toggler).await.expect("task");
            let error = result.unwrap_err();
            assert!(
                matches!(error, Error::Disconnected { .. }),
                "{release:?}: {error}"
            );
        }
        // Both subscribers see the end of the stream (after what was still buffered).
        for stream in [&mut events, &mut lagging] {
            within(10, "event stream end", async {
                while stream.next().await.is_some() {}
            })
            .await;
        }
        assert!(client.is_closed());
        assert_eq!(client.pending_calls(), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qemu_killed_under_load_fails_every_waiting_caller() {
    let mut qemu = QemuProcess::system_none(Release::V10_0);
    let client = connect_qemu(&qemu, ClientConfig::default()).await;
    let answered = Arc::new(AtomicUsize::new(0));
    // 32 tasks loop on a command whose answer names its argument, until the connection dies.
    let workers: Vec<_> = (0..32)
        .map(|t| {
            let client = client.clone();
            let answered = answered.clone();
            tokio::spawn(async move {
                for n in 0u64.. {
                    let token = format!("no-such-group-{t}-{n}");
                    let command = QueryCommandLineOptions {
                        option: Some(token.clone()),
                    };
                    match client.execute(&command).await {
                        Err(Error::Qmp { desc, .. }) => {
                            assert!(desc.contains(&token), "mis-routed: {desc} for {token}");
                            answered.fetch_add(1, Ordering::SeqCst);
                        }
                        other => return other.map(|_| ()),
                    }
                }
                Ok(())
            })
        })
        .collect();
    within(30, "load", async {
        while answered.load(Ordering::SeqCst) < 2_000 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    qemu.kill();
    for worker in workers {
        let error = within(10, "worker", worker)
            .await
            .expect("task")
            .unwrap_err();
        assert!(matches!(error, Error::Disconnected { .. }), "{error}");
    }
    assert_eq!(client.pending_calls(), 0);
}
