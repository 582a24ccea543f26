//! Fault tests of the VM-manager runtime against a fake server, for what real QEMU does not do
//! on demand: an event before the greeting, a server that listens late, a guest agent that
//! answers only a later sync, TCP (which cannot carry descriptors), subscribers that never
//! read, commands whose event never comes, and closing with answers due.

mod support;

use std::os::fd::OwnedFd;
use std::time::Duration;

use qmp_types::client::{Client, ClientConfig, Error, EventError, EventStream};
use qmp_types::qga::GuestAgent;
use qmp_types::UnknownEvent;
use serde_json::{json, Value};
use support::fake::{command, Fake};
use support::*;
use tokio::net::{TcpListener, UnixListener, UnixStream};

fn event(name: &str, n: u64) -> Value {
    json!({"event": name, "data": {"n": n}, "timestamp": {"seconds": 1, "microseconds": n}})
}

fn temp_file() -> OwnedFd {
    tempfile::tempfile().expect("temporary file").into()
}

/// A connected client and the fake server after the handshake.
async fn start(config: ClientConfig) -> (Client, Fake) {
    let (client_side, server_side) = UnixStream::pair().unwrap();
    let server = tokio::spawn(async move {
        let mut fake = Fake::new(server_side);
        fake.handshake().await;
        fake
    });
    let client = within(10, "connect", Client::connect(client_side, config))
        .await
        .unwrap();
    (client, server.await.unwrap())
}

#[tokio::test]
async fn events_before_the_greeting_are_delivered_after_negotiation() {
    let (client_side, server_side) = UnixStream::pair().unwrap();
    let server = tokio::spawn(async move {
        let mut fake = Fake::new(server_side);
        // What QEMU 7.2 sometimes does when a client connects while it starts.
        fake.send(event("RESUME", 1)).await;
        fake.greet().await;
        let negotiation = fake.recv().await;
        fake.send(event("STOP", 2)).await;
        fake.reply(&negotiation, json!({})).await;
        fake.send(event("RESUME", 3)).await;
        fake
    });
    let config = ClientConfig::default().events_since_connect(true);
    let client = Client::connect(client_side, config).await.unwrap();
    let _fake = server.await.unwrap();
    let mut events: EventStream<UnknownEvent> = client.events_since_connect().unwrap();
    assert!(client.events_since_connect::<UnknownEvent>().is_none());
    for (name, n) in [("RESUME", 1), ("STOP", 2), ("RESUME", 3)] {
        let received = within(10, "event", events.recv()).await.unwrap().unwrap();
        assert_eq!(
            (received.event.name.as_str(), &received.event.data),
            (name, &json!({"n": n}))
        );
    }

    // Without a subscription at connect time, an early event is no error either.
    let (client_side, server_side) = UnixStream::pair().unwrap();
    let server = tokio::spawn(async move {
        let mut fake = Fake::new(server_side);
        fake.send(event("RESUME", 1)).await;
        fake.handshake().await;
        fake
    });
    let client = Client::connect(client_side, ClientConfig::default())
        .await
        .unwrap();
    assert!(client.events_since_connect::<UnknownEvent>().is_none());
    server.await.unwrap();
}

#[tokio::test]
async fn a_server_that_listens_late_is_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("late.sock");
    // The file exists but nobody listens (refused), as when QEMU has bound but not listened.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    let server_path = path.clone();
    let server = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        std::fs::remove_file(&server_path).unwrap();
        // A moment with no file at all (not found), then the listener.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let listener = UnixListener::bind(&server_path).unwrap();
        let (socket, _) = listener.accept().await.unwrap();
        let mut fake = Fake::new(socket);
        fake.handshake().await;
        let request = fake.recv().await;
        fake.reply(&request, json!("late")).await;
        fake
    });
    let config = ClientConfig::default().handshake_timeout(Some(Duration::from_secs(10)));
    let client = Client::connect_unix(&path, config).await.unwrap();
    assert_eq!(
        client.execute_raw("hello", None).await.unwrap(),
        json!("late")
    );
    server.await.unwrap();

    // Nobody ever listens: the error names the socket and how long it was retried.
    let missing = dir.path().join("never.sock");
    let config = ClientConfig::default().handshake_timeout(Some(Duration::from_millis(300)));
    let error = Client::connect_unix(&missing, config).await.unwrap_err();
    let Error::Connect {
        target,
        waited,
        source,
    } = &error
    else {
        panic!("{error}")
    };
    assert_eq!(target, &missing.display().to_string());
    assert!(*waited >= Duration::from_millis(150), "{error}");
    assert_eq!(source.kind(), std::io::ErrorKind::NotFound, "{error}");
}

#[tokio::test]
async fn guest_agent_sync_is_retried_until_the_agent_answers() {
    let (client_side, server_side) = UnixStream::pair().unwrap();
    let server = tokio::spawn(async move {
        let mut fake = Fake::new(server_side);
        // The agent is not running yet: the first sync goes unanswered.
        let first = fake.recv().await;
        assert_eq!(command(&first), "guest-sync-delimited");
        let second = fake.recv().await;
        assert_eq!(command(&second), "guest-sync-delimited");
        assert_ne!(first["arguments"]["id"], second["arguments"]["id"]);
        fake.send_raw(&[0xFF]).await;
        fake.send(json!({"return": second["arguments"]["id"]}))
            .await;
        fake.answer_guest_info(json!([])).await;
        (fake, second["arguments"]["id"].as_u64().unwrap())
    });
    let agent = GuestAgent::connect(client_side, ClientConfig::default())
        .await
        .unwrap();
    let (_fake, answered) = server.await.unwrap();
    assert_eq!(agent.sync_id(), answered);
}

#[tokio::test]
async fn tcp_refuses_fd_passing_clearly_and_closes_the_descriptors() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let (read, mut write) = socket.into_split();
        let mut reader =
            tokio_util::codec::FramedRead::new(read, qmp_types::codec::JsonCodec::default());
        use futures::StreamExt;
        use tokio::io::AsyncWriteExt;
        write
            .write_all(b"{\"QMP\": {\"version\": {\"qemu\": {\"major\": 10, \"minor\": 0, \"micro\": 2}, \"package\": \"\"}, \"capabilities\": []}}\r\n")
            .await
            .unwrap();
        let negotiation = reader.next().await.unwrap().unwrap();
        let answer = format!("{{\"return\": {{}}, \"id\": {}}}\r\n", negotiation["id"]);
        write.write_all(answer.as_bytes()).await.unwrap();
        // Nothing else may arrive: the client must refuse before sending.
        assert!(reader.next().await.is_none());
    });
    let client = Client::connect_tcp(address, ClientConfig::default())
        .await
        .unwrap();
    let error = client.add_fd(temp_file(), None, None).await.unwrap_err();
    assert!(
        matches!(&error, Error::FdPassing { command, transport: "TCP" } if command == "add-fd"),
        "{error}"
    );
    assert!(error.to_string().contains("only Unix sockets"), "{error}");
    let error = client.get_fd("f", temp_file()).await.unwrap_err();
    assert!(matches!(error, Error::FdPassing { .. }), "{error}");
    drop(client);
    within(10, "server", server).await.unwrap();
}

#[tokio::test]
async fn lossless_subscriber_that_never_reads_ends_with_an_overflow() {
    let config = ClientConfig::default().event_memory_cap(1000);
    let (client, mut fake) = start(config).await;
    let mut idle: EventStream<UnknownEvent> = client.events();
    let mut reader: EventStream<UnknownEvent> = client.events();
    let line = serde_json::to_vec(&event("STOP", 0)).unwrap().len() + 2;
    let fitting = 1000 / line;
    for n in 0..100 {
        fake.send(event("STOP", n)).await;
        let received = within(10, "event", reader.recv()).await.unwrap().unwrap();
        assert_eq!(received.event.data["n"], n);
    }
    // The idle subscriber got every event that fitted, then the overflow, then the end.
    for n in 0..fitting as u64 {
        let received = idle.recv().await.unwrap().unwrap();
        assert_eq!(received.event.data["n"], n);
    }
    let overflow = idle.recv().await.unwrap().unwrap_err();
    assert!(
        matches!(overflow, EventError::Overflow { cap: 1000 }),
        "{overflow}"
    );
    assert!(idle.recv().await.is_none());
    // The connection and the other subscriber go on.
    fake.send(event("RESUME", 100)).await;
    let received = within(10, "event", reader.recv()).await.unwrap().unwrap();
    assert_eq!(received.event.name, "RESUME");
}

#[tokio::test]
async fn decode_errors_carry_the_raw_event() {
    let (client, mut fake) = start(ClientConfig::default()).await;
    let mut events: EventStream<TestEvent> = client.events();
    let raw = json!({"event": "STOP", "data": "not an object", "timestamp": {"seconds": 3, "microseconds": 4}});
    fake.send(raw.clone()).await;
    let error = within(10, "event", events.recv())
        .await
        .unwrap()
        .unwrap_err();
    let EventError::Decode {
        event, raw: got, ..
    } = &error
    else {
        panic!("{error}")
    };
    assert_eq!(event, "STOP");
    assert_eq!(got, &raw);
    assert!(error.to_string().contains("not an object"), "{error}");
}

#[tokio::test]
async fn a_predicate_that_never_matches_times_out_clearly() {
    let (client, mut fake) = start(ClientConfig::default()).await;
    let server = tokio::spawn(async move {
        let request = fake.recv().await;
        fake.send(event("STOP", 1)).await;
        fake.reply(&request, json!({})).await;
        fake.send(event("RESUME", 2)).await;
        fake
    });
    let started = std::time::Instant::now();
    let error = client
        .execute_then_event(
            &Stop {},
            Duration::from_millis(300),
            |event: &UnknownEvent| event.name == "DEVICE_DELETED",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::NoEvent { command, .. } if command == "stop"),
        "{error}"
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    let mut fake = server.await.unwrap();

    // A match that arrives before the answer counts.
    let call = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .execute_then_event(&Cont {}, Duration::from_secs(10), |event: &TestEvent| {
                    *event == TestEvent::Resume
                })
                .await
        }
    });
    let request = fake.recv().await;
    fake.send(event("RESUME", 3)).await;
    fake.reply(&request, json!({})).await;
    let (_, received) = within(10, "call", call).await.unwrap().unwrap();
    assert_eq!(received.event, TestEvent::Resume);

    // The command's own failure comes first.
    let call = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .execute_then_event(&Stop {}, Duration::from_secs(10), |_: &UnknownEvent| true)
                .await
        }
    });
    let request = fake.recv().await;
    fake.send(json!({"error": {"class": "GenericError", "desc": "no"}, "id": request["id"]}))
        .await;
    let error = within(10, "call", call).await.unwrap().unwrap_err();
    assert!(matches!(error, Error::Qmp { .. }), "{error}");
}

#[tokio::test]
async fn close_waits_for_due_answers_then_fails_the_rest() {
    // Answers that arrive within the wait are delivered.
    let (client, mut fake) = start(ClientConfig::default()).await;
    let call = tokio::spawn({
        let client = client.clone();
        async move { client.execute_raw("slow", None).await }
    });
    let request = fake.recv().await;
    let closing = tokio::spawn({
        let client = client.clone();
        async move { client.close(Duration::from_secs(10)).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let error = client.execute_raw("late", None).await.unwrap_err();
    assert!(
        matches!(&error, Error::Disconnected { reason } if reason.contains("the client closed")),
        "{error}"
    );
    fake.reply(&request, json!(1)).await;
    assert_eq!(call.await.unwrap().unwrap(), json!(1));
    within(10, "close", closing).await.unwrap().unwrap();
    assert!(client.is_closed());
    // The server sees the connection end.
    assert!(
        within(10, "eof", futures::StreamExt::next(&mut fake.reader))
            .await
            .is_none()
    );

    // An answer that does not come within the wait: the caller gets a clear error.
    let (client, mut fake) = start(ClientConfig::default()).await;
    let call = tokio::spawn({
        let client = client.clone();
        async move { client.execute_raw("hung", None).await }
    });
    fake.recv().await;
    let error = client.close(Duration::from_millis(100)).await.unwrap_err();
    assert!(error.to_string().contains("1 calls unanswered"), "{error}");
    let error = call.await.unwrap().unwrap_err();
    assert!(
        matches!(&error, Error::Disconnected { reason }
            if reason.contains("the client closed the connection after waiting")),
        "{error}"
    );
    // Closing again is fine.
    client.close(Duration::from_millis(100)).await.unwrap();
}

/// One `recvmsg` on the server side: the bytes and the descriptors that came with them.
fn receive(socket: &std::os::unix::net::UnixStream) -> (Vec<u8>, Vec<OwnedFd>) {
    use rustix::net::{RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags};
    let mut data = vec![0u8; 4096];
    let mut space = vec![std::mem::MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(8))];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let mut iov = [std::io::IoSliceMut::new(&mut data)];
    let received =
        rustix::net::recvmsg(socket, &mut iov, &mut control, RecvFlags::empty()).unwrap();
    let mut fds = Vec::new();
    for message in control.drain() {
        if let RecvAncillaryMessage::ScmRights(rights) = message {
            fds.extend(rights);
        }
    }
    data.truncate(received.bytes);
    (data, fds)
}

fn inode(fd: &impl std::os::fd::AsFd) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let file = std::fs::File::from(fd.as_fd().try_clone_to_owned().unwrap());
    file.metadata().unwrap().ino()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn descriptors_ride_on_the_command_they_were_given_to() {
    let (client_side, server_side) = std::os::unix::net::UnixStream::pair().unwrap();
    client_side.set_nonblocking(true).unwrap();
    // The caller's own Unix socket, through the generic `connect`.
    let client_side = UnixStream::from_std(client_side).unwrap();
    let files = [tempfile::tempfile().unwrap(), tempfile::tempfile().unwrap()];
    let inodes = [inode(&files[0]), inode(&files[1])];
    let server = std::thread::spawn(move || {
        use std::io::Write;
        let mut writer = server_side.try_clone().unwrap();
        writer
            .write_all(b"{\"QMP\": {\"version\": {\"qemu\": {\"major\": 10, \"minor\": 0, \"micro\": 2}, \"package\": \"\"}, \"capabilities\": []}}\r\n")
            .unwrap();
        let (negotiation, fds) = receive(&server_side);
        assert!(fds.is_empty());
        let negotiation: Value = serde_json::from_slice(&negotiation).unwrap();
        writeln!(
            writer,
            "{{\"return\": {{}}, \"id\": {}}}",
            negotiation["id"]
        )
        .unwrap();
        let mut seen = Vec::new();
        for _ in 0..2 {
            // Each request arrives with its own descriptor (the kernel does not merge data
            // across descriptor boundaries, and the client writes one such request at a time).
            let (bytes, fds) = receive(&server_side);
            let request: Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(fds.len(), 1, "{request}");
            seen.push((
                request["arguments"]["fdname"].as_str().unwrap().to_owned(),
                inode(&fds[0]),
            ));
            writeln!(writer, "{{\"return\": {{}}, \"id\": {}}}", request["id"]).unwrap();
        }
        seen
    });
    let client = Client::connect(client_side, ClientConfig::default())
        .await
        .unwrap();
    let [first, second] = files;
    let (a, b) = tokio::join!(client.get_fd("a", first), client.get_fd("b", second));
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut seen = server.join().unwrap();
    seen.sort();
    assert_eq!(
        seen,
        vec![("a".to_owned(), inodes[0]), ("b".to_owned(), inodes[1])]
    );
    // The guards' `closefd` goes nowhere now (the server stopped reading); no panic.
    drop((a, b));
}

#[tokio::test]
async fn a_connection_closed_during_the_handshake_is_opened_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("closing.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let server = tokio::spawn(async move {
        // The first connection ends before the greeting, the second during negotiation.
        drop(listener.accept().await.unwrap());
        let (socket, _) = listener.accept().await.unwrap();
        let mut fake = Fake::new(socket);
        fake.greet().await;
        assert_eq!(command(&fake.recv().await), "qmp_capabilities");
        drop(fake);
        let (socket, _) = listener.accept().await.unwrap();
        let mut fake = Fake::new(socket);
        fake.handshake().await;
        (fake, listener)
    });
    let client = Client::connect_unix(&path, ClientConfig::default())
        .await
        .unwrap();
    let (_fake, listener) = server.await.unwrap();
    assert!(client.greeting().is_some());

    // A server that always closes is given up on, with the reason.
    let closer = tokio::spawn(async move {
        let mut accepted = 0;
        while let Ok((socket, _)) = listener.accept().await {
            accepted += 1;
            drop(socket);
            if accepted == 6 {
                return accepted;
            }
        }
        accepted
    });
    let error = Client::connect_unix(&path, ClientConfig::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Disconnected { reason } if reason.contains("during the handshake")),
        "{error}"
    );
    assert_eq!(within(10, "closer", closer).await.unwrap(), 6);
}

#[tokio::test]
async fn an_unanswered_negotiation_is_given_up_for_a_new_connection() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stalling.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let server = tokio::spawn(async move {
        // What QEMU 7.2 does when its main thread is stuck in accept(): greets, never answers.
        let (socket, _) = listener.accept().await.unwrap();
        let mut stalled = Fake::new(socket);
        stalled.greet().await;
        let first = stalled.recv().await;
        let (socket, _) = listener.accept().await.unwrap();
        let mut fake = Fake::new(socket);
        fake.greet().await;
        let second = fake.recv().await;
        fake.reply(&second, json!({})).await;
        let request = fake.recv().await;
        fake.reply(&request, json!("answered")).await;
        (first, second, stalled, fake, listener)
    });
    let config = ClientConfig::default()
        .handshake_timeout(Some(Duration::from_secs(10)))
        .negotiation_patience(Some(Duration::from_millis(200)));
    let client = within(10, "connect", Client::connect_unix(&path, config))
        .await
        .unwrap();
    assert_eq!(client.handshake_reconnects(), 1);
    assert_eq!(
        client.execute_raw("hello", None).await.unwrap(),
        json!("answered")
    );
    let (first, second, _stalled, _fake, listener) = server.await.unwrap();
    assert_eq!(command(&first), "qmp_capabilities");
    assert_eq!(command(&second), "qmp_capabilities");
    // A late answer on the abandoned connection's monitor cannot pass for the new one's.
    assert_ne!(first["id"], second["id"]);

    // A server that never answers: the whole handshake timeout is reported, not the patience.
    let staller = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            let mut fake = Fake::new(socket);
            fake.greet().await;
            held.push(fake);
        }
    });
    let config = ClientConfig::default()
        .handshake_timeout(Some(Duration::from_millis(700)))
        .negotiation_patience(Some(Duration::from_millis(200)));
    let error = within(10, "connect", Client::connect_unix(&path, config))
        .await
        .unwrap_err();
    assert_handshake_timeout(&error, "capabilities negotiation");
    assert!(error.to_string().contains("700ms"), "{error}");
    staller.abort();

    // A stream given by the caller cannot be opened again: the patience does not apply.
    let (client_side, server_side) = UnixStream::pair().unwrap();
    let server = tokio::spawn(async move {
        let mut fake = Fake::new(server_side);
        fake.greet().await;
        let negotiation = fake.recv().await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        fake.reply(&negotiation, json!({})).await;
        fake
    });
    let config = ClientConfig::default().negotiation_patience(Some(Duration::from_millis(100)));
    let client = within(10, "connect", Client::connect(client_side, config))
        .await
        .unwrap();
    assert_eq!(client.handshake_reconnects(), 0);
    server.await.unwrap();
}

#[tokio::test]
async fn a_second_greeting_during_negotiation_gets_the_negotiation_again() {
    let (client_side, server_side) = UnixStream::pair().unwrap();
    let server = tokio::spawn(async move {
        let mut fake = Fake::new(server_side);
        fake.greet().await;
        // The session starts over and the first request is lost.
        assert_eq!(command(&fake.recv().await), "qmp_capabilities");
        fake.greet().await;
        let again = fake.recv().await;
        assert_eq!(command(&again), "qmp_capabilities");
        fake.reply(&again, json!({})).await;
        fake
    });
    let client = within(
        10,
        "connect",
        Client::connect(client_side, ClientConfig::default()),
    )
    .await
    .unwrap();
    let _fake = server.await.unwrap();
    assert!(!client.is_closed());
}
