//! Fuzz target: the async client's connection driver fed arbitrary server behaviour over an
//! in-memory transport (`tokio::io::duplex`), on a runtime with paused (virtual) time.
//!
//! The fuzzer interleaves calls (in band or out of band, with or without timeouts), cancelled
//! calls, correct answers, duplicate answers, answers with made-up ids of every JSON type,
//! id-less errors, events, second greetings and raw bytes; then the fake server answers what
//! it can and closes. Properties: no panic (libFuzzer's panic hook aborts on a panic in any
//! task); the client keeps reading (a server write never blocks for a virtual minute); every
//! call completes once the server is gone; a successful answer or an error response reaches
//! only the caller whose request carried the id it was sent with (checked against a mirror
//! of the client's framing fed with the same bytes).
#![no_main]

use std::collections::HashMap;
use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use bytes::{Buf, BytesMut};
use futures::{FutureExt, StreamExt};
use libfuzzer_sys::fuzz_target;
use qmp_types::client::{Client, ClientConfig, Error, EventStream};
use qmp_types::codec::{CodecError, JsonCodec};
use qmp_types::wire::ServerMessage;
use qmp_types::UnknownEvent;
use serde_json::{json, Map, Value};
use tokio::io::{AsyncWriteExt, DuplexStream, ReadHalf, WriteHalf};
use tokio::task::JoinHandle;
use tokio_util::codec::{Decoder, FramedRead};

/// A small JSON value chosen by the fuzzer.
#[derive(Debug)]
struct Json(Value);

impl<'a> Arbitrary<'a> for Json {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        fn value(u: &mut Unstructured<'_>, depth: u32) -> arbitrary::Result<Value> {
            let kind = if depth > 3 {
                u.int_in_range(0..=4u8)?
            } else {
                u.int_in_range(0..=6u8)?
            };
            Ok(match kind {
                0 => Value::Null,
                1 => json!(u.arbitrary::<bool>()?),
                2 => json!(u.arbitrary::<i64>()?),
                3 => {
                    serde_json::Number::from_f64(u.arbitrary()?).map_or(Value::Null, Value::Number)
                }
                4 => json!(u.arbitrary::<String>()?),
                5 => Value::Array(
                    (0..u.int_in_range(0..=3u8)?)
                        .map(|_| value(u, depth + 1))
                        .collect::<arbitrary::Result<_>>()?,
                ),
                _ => {
                    let mut map = Map::new();
                    for _ in 0..u.int_in_range(0..=3u8)? {
                        map.insert(u.arbitrary()?, value(u, depth + 1)?);
                    }
                    Value::Object(map)
                }
            })
        }
        value(u, 0).map(Json)
    }
}

/// An `id` member for a made-up answer.
#[derive(Debug, Arbitrary)]
enum Id {
    /// Likely one the client used.
    Small(u8),
    Any(u64),
    Negative(i64),
    Other(Json),
    Missing,
}

/// What a made-up answer carries.
#[derive(Debug, Arbitrary)]
enum Body {
    Return(Json),
    Error {
        class: String,
        desc: String,
    },
    /// An `error` member that is not an error object.
    BadError(Json),
}

#[derive(Debug, Arbitrary)]
enum Action {
    /// A call with a fresh argument `n`; `timeout` in virtual milliseconds.
    Call {
        oob: bool,
        timeout: Option<u8>,
    },
    /// Drops (aborts) a call's future.
    Cancel(u8),
    /// The server reads the requests written so far.
    Read,
    /// A well-formed answer to a request the server read (again, for a duplicate id).
    Reply {
        request: u8,
        error: bool,
    },
    /// An answer with a made-up id and body.
    Made {
        id: Id,
        body: Body,
    },
    /// An error without id (a server-side parse error).
    IdlessError {
        desc: String,
    },
    Event {
        name: String,
        data: Json,
    },
    Greeting,
    /// Arbitrary bytes in the stream.
    Raw(Vec<u8>),
    /// Lets virtual time pass.
    Sleep(u8),
    /// Drops the test's own client handle (calls keep theirs).
    DropHandle,
}

#[derive(Debug, Arbitrary)]
struct Input {
    /// Raw bytes before the greeting (usually none).
    prefix: Option<Vec<u8>>,
    offer_oob: bool,
    enable_oob: bool,
    in_flight: u8,
    /// Selects a small maximum message size (`None`: the default).
    max_message_size: Option<u16>,
    /// Capacity of the in-memory pipe in each direction.
    pipe: u16,
    /// Answer every outstanding request before closing.
    answer_at_end: bool,
    actions: Vec<Action>,
}

/// The fake server's framing: JSON values, with the client's 0xFF resynchronisation bytes
/// skipped.
struct ServerCodec(JsonCodec);

impl Decoder for ServerCodec {
    type Item = Value;
    type Error = CodecError;
    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Value>, CodecError> {
        loop {
            match self.0.decode(buf) {
                Err(CodecError::Garbage { byte: 0xFF, .. }) => buf.advance(1),
                other => return other,
            }
        }
    }
}

/// An answer as the caller sees it, for the routing check.
#[derive(Debug, Clone, PartialEq)]
enum Answer {
    Return(Value),
    Error(String, String),
}

/// The fake server, with what it knows about the stream.
struct Server {
    reader: FramedRead<ReadHalf<DuplexStream>, ServerCodec>,
    writer: WriteHalf<DuplexStream>,
    /// A replica of the client's framing fed with every byte sent; stops at its first error
    /// like the client.
    mirror: JsonCodec,
    mirror_buf: BytesMut,
    mirror_failed: bool,
    /// The answers the client can have decoded, by id.
    answers: HashMap<u64, Vec<Answer>>,
    /// Requests read: id and argument `n` (`None` for the client's own fence requests).
    requests: Vec<(u64, Option<u64>)>,
    replied: Vec<u64>,
    open: bool,
}

impl Server {
    async fn send(&mut self, mut bytes: &[u8]) {
        while self.open && !bytes.is_empty() {
            match tokio::time::timeout(Duration::from_secs(60), self.writer.write(bytes)).await {
                Err(_) => panic!("the client stopped reading: a write blocked for a minute"),
                // The client is gone; what it did not read cannot reach a caller.
                Ok(Err(_) | Ok(0)) => self.open = false,
                Ok(Ok(written)) => {
                    // Only bytes the pipe accepted can reach the client, and all of them may.
                    self.mirror(&bytes[..written]);
                    bytes = &bytes[written..];
                }
            }
        }
    }

    fn mirror(&mut self, bytes: &[u8]) {
        self.mirror_buf.extend_from_slice(bytes);
        while !self.mirror_failed {
            match self.mirror.decode(&mut self.mirror_buf) {
                Ok(Some(value)) => self.record(value),
                Ok(None) => break,
                Err(_) => self.mirror_failed = true,
            }
        }
    }

    fn record(&mut self, value: Value) {
        if let Ok(ServerMessage::Response(response)) = ServerMessage::from_value(value) {
            if let Some(id) = response.id.as_ref().and_then(Value::as_u64) {
                let answer = match response.result {
                    Ok(value) => Answer::Return(value),
                    Err(body) => Answer::Error(body.class.to_string(), body.desc),
                };
                self.answers.entry(id).or_default().push(answer);
            }
        }
    }

    async fn send_json(&mut self, value: Value) {
        let mut line = value.to_string().into_bytes();
        line.extend_from_slice(b"\r\n");
        self.send(&line).await;
    }

    /// Reads every request the client has written by now.
    async fn read(&mut self) {
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
        while let Some(Some(Ok(request))) = self.reader.next().now_or_never() {
            let Some(id) = request.get("id").and_then(Value::as_u64) else {
                panic!("the client sent a request without an integer id: {request}");
            };
            let n = request.pointer("/arguments/n").and_then(Value::as_u64);
            self.requests.push((id, n));
        }
    }

    async fn reply(&mut self, id: u64, n: Option<u64>, error: bool) {
        self.replied.push(id);
        let message = match (n, error) {
            (Some(n), true) => {
                json!({"error": {"class": "GenericError", "desc": format!("no {n}")}, "id": id})
            }
            (Some(n), false) => json!({"return": {"n": n, "id": id}, "id": id}),
            (None, _) => json!({"return": {}, "id": id}),
        };
        self.send_json(message).await;
    }
}

async fn run(input: Input) {
    let max_message_size = input
        .max_message_size
        .map_or(qmp_types::codec::DEFAULT_MAX_MESSAGE_SIZE, |n| {
            usize::from(n.max(16))
        });
    let (client_io, server_io) = tokio::io::duplex(usize::from(input.pipe.max(1)));
    let (read, writer) = tokio::io::split(server_io);
    let mut server = Server {
        reader: FramedRead::new(read, ServerCodec(JsonCodec::default())),
        writer,
        mirror: JsonCodec::new(max_message_size),
        mirror_buf: BytesMut::new(),
        mirror_failed: false,
        answers: HashMap::new(),
        requests: Vec::new(),
        replied: Vec::new(),
        open: true,
    };
    let config = ClientConfig::default()
        .handshake_timeout(Some(Duration::from_secs(1)))
        .max_message_size(max_message_size)
        .enable_oob(input.enable_oob)
        .max_in_flight(usize::from(input.in_flight % 10))
        .event_buffer(4);
    let connect = tokio::spawn(Client::connect(client_io, config));

    if let Some(prefix) = &input.prefix {
        server.send(prefix).await;
    }
    let capabilities = if input.offer_oob {
        json!(["oob"])
    } else {
        json!([])
    };
    server
        .send_json(
            json!({"QMP": {"version": {"qemu": {"major": 10, "minor": 0, "micro": 2},
            "package": ""}, "capabilities": capabilities}}),
        )
        .await;
    // The negotiation: answered correctly if it arrives before the handshake timeout.
    if let Ok(Some(Ok(request))) =
        tokio::time::timeout(Duration::from_secs(2), server.reader.next()).await
    {
        let id = request.get("id").cloned().unwrap_or(Value::Null);
        server.send_json(json!({"return": {}, "id": id})).await;
    }
    let client = match tokio::time::timeout(Duration::from_secs(5), connect).await {
        Err(_) => panic!("the handshake hung past its timeout"),
        Ok(Err(join)) => panic!("the handshake task failed: {join}"),
        Ok(Ok(Err(_))) => return, // a clear error
        Ok(Ok(Ok(client))) => client,
    };
    let mut events: EventStream<UnknownEvent> = client.events();
    let _lagging: EventStream<UnknownEvent> = client.lagging_events();
    let mut client = Some(client);
    let mut calls: Vec<(u64, JoinHandle<Result<Value, Error>>)> = Vec::new();

    for action in input.actions.into_iter().take(64) {
        match action {
            Action::Call { oob, timeout } => {
                let Some(client) = &client else { continue };
                let n = calls.len() as u64;
                let handle =
                    client.with_timeout(timeout.map(|ms| Duration::from_millis(ms.into())));
                let arguments = Some(json!({ "n": n }));
                calls.push((
                    n,
                    tokio::spawn(async move {
                        if oob {
                            handle.execute_raw_oob("fuzz", arguments).await
                        } else {
                            handle.execute_raw("fuzz", arguments).await
                        }
                    }),
                ));
            }
            Action::Cancel(k) => {
                if let Some((_, call)) = calls.get(usize::from(k) % calls.len().max(1)) {
                    call.abort();
                }
            }
            Action::Read => {
                server.read().await;
                while let Some(Some(_)) = events.next().now_or_never() {}
            }
            Action::Reply { request, error } => {
                if !server.requests.is_empty() {
                    let (id, n) = server.requests[usize::from(request) % server.requests.len()];
                    server.reply(id, n, error).await;
                }
            }
            Action::Made { id, body } => {
                let mut message = Map::new();
                match body {
                    Body::Return(value) => message.insert("return".into(), value.0),
                    Body::Error { class, desc } => {
                        message.insert("error".into(), json!({"class": class, "desc": desc}))
                    }
                    Body::BadError(value) => message.insert("error".into(), value.0),
                };
                match id {
                    Id::Small(n) => message.insert("id".into(), json!(n)),
                    Id::Any(n) => message.insert("id".into(), json!(n)),
                    Id::Negative(n) => message.insert("id".into(), json!(n)),
                    Id::Other(value) => message.insert("id".into(), value.0),
                    Id::Missing => None,
                };
                server.send_json(Value::Object(message)).await;
            }
            Action::IdlessError { desc } => {
                server
                    .send_json(json!({"error": {"class": "GenericError", "desc": desc}}))
                    .await;
            }
            Action::Event { name, data } => {
                server
                    .send_json(json!({"event": name, "data": data.0,
                        "timestamp": {"seconds": 1, "microseconds": 2}}))
                    .await;
            }
            Action::Greeting => {
                server
                    .send_json(json!({"QMP": {"version": {"qemu": {"major": 1, "minor": 2,
                        "micro": 3}, "package": ""}, "capabilities": []}}))
                    .await;
            }
            Action::Raw(bytes) => server.send(&bytes).await,
            Action::Sleep(ms) => tokio::time::sleep(Duration::from_millis(ms.into())).await,
            Action::DropHandle => client = None,
        }
    }

    if input.answer_at_end {
        // A well-behaved server from here on: answer every request exactly once, fences too.
        for _ in 0..16 {
            server.read().await;
            let unanswered: Vec<(u64, Option<u64>)> = server
                .requests
                .iter()
                .copied()
                .filter(|(id, _)| !server.replied.contains(id))
                .collect();
            if unanswered.is_empty() && calls.iter().all(|(_, call)| call.is_finished()) {
                break;
            }
            for (id, n) in unanswered {
                server.reply(id, n, false).await;
            }
        }
    }
    server.read().await;
    let Server {
        reader,
        writer,
        answers,
        requests,
        ..
    } = server;
    drop((reader, writer));
    drop(client);

    let request_of: HashMap<u64, u64> = requests
        .iter()
        .filter_map(|&(id, n)| Some((id, n?)))
        .collect();
    for (n, call) in calls {
        let result = match tokio::time::timeout(Duration::from_secs(60), call).await {
            Err(_) => panic!("call {n} still pending a virtual minute after the server closed"),
            Ok(Err(join)) if join.is_cancelled() => continue,
            Ok(Err(join)) => panic!("call {n} failed: {join}"),
            Ok(Ok(result)) => result,
        };
        let answer = match result {
            Ok(value) => Answer::Return(value),
            Err(Error::Qmp { class, desc, .. }) => Answer::Error(class.to_string(), desc),
            Err(_) => continue,
        };
        // The answer must have been sent with an id whose request carried `n` (or whose
        // request the server never got to read).
        let routed = answers.iter().any(|(id, sent)| {
            sent.contains(&answer) && request_of.get(id).is_none_or(|owner| *owner == n)
        });
        assert!(
            routed,
            "call {n} received {answer:?}, which was not sent for its request \
             (requests read: {requests:?}; answers sent: {answers:?})"
        );
    }
}

fuzz_target!(|input: Input| {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    runtime.block_on(run(input));
});
