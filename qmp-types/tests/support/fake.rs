//! A scripted fake QMP (or guest-agent) server on one end of a Unix socket pair, for faults
//! real QEMU does not produce on demand. Test support: panics on unexpected input.

use futures::StreamExt;
use qmp_types::codec::JsonCodec;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;
use tokio_util::codec::FramedRead;

use super::within;

/// The server side: reads the client's requests, writes whatever the test scripts.
pub struct Fake {
    /// The client's requests (the codec skips and counts its 0xFF parser resets).
    pub reader: FramedRead<OwnedReadHalf, JsonCodec>,
    /// Raw access to the client's read side.
    pub writer: OwnedWriteHalf,
    /// Bytes written so far (stream offsets of what the client reads).
    pub written: usize,
    /// Write every byte separately.
    pub byte_at_a_time: bool,
}

impl Fake {
    /// A fake on the server end of a socket pair.
    pub fn new(socket: UnixStream) -> Fake {
        let (read, writer) = socket.into_split();
        Fake {
            reader: FramedRead::new(read, JsonCodec::default()),
            writer,
            written: 0,
            byte_at_a_time: false,
        }
    }

    /// Writes bytes as they are.
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        if self.byte_at_a_time {
            for byte in bytes {
                self.writer.write_all(&[*byte]).await.expect("fake write");
                self.writer.flush().await.expect("fake flush");
                tokio::task::yield_now().await;
            }
        } else {
            self.writer.write_all(bytes).await.expect("fake write");
        }
        self.written += bytes.len();
    }

    /// Writes one message, CRLF-terminated like QEMU.
    pub async fn send(&mut self, value: Value) {
        let mut line = serde_json::to_vec(&value).expect("JSON");
        line.extend_from_slice(b"\r\n");
        self.send_raw(&line).await;
    }

    /// Sends a QEMU 10.0.2 greeting offering `capabilities`.
    pub async fn greet_with(&mut self, capabilities: Value) {
        self.send(
            json!({"QMP": {"version": {"qemu": {"major": 10, "minor": 0, "micro": 2},
            "package": "fake"}, "capabilities": capabilities}}),
        )
        .await;
    }

    /// Sends a QEMU 10.0.2 greeting offering `oob`.
    pub async fn greet(&mut self) {
        self.greet_with(json!(["oob"])).await;
    }

    /// The client's next request (fails the test after 10 s or when the client closes).
    pub async fn recv(&mut self) -> Value {
        within(10, "fake recv", self.reader.next())
            .await
            .expect("client closed the connection")
            .expect("client sent valid JSON")
    }

    /// Answers `request` with `value`.
    pub async fn reply(&mut self, request: &Value, value: Value) {
        self.send(json!({"return": value, "id": request["id"]}))
            .await;
    }

    /// Greets (offering `oob`) and accepts the negotiation.
    pub async fn handshake(&mut self) {
        self.greet().await;
        let negotiation = self.recv().await;
        assert_eq!(negotiation["execute"], "qmp_capabilities", "{negotiation}");
        self.reply(&negotiation, json!({})).await;
    }

    /// Answers the guest-agent client's `guest-info` (asked once it has synchronised) with
    /// `commands` as `supported_commands`.
    pub async fn answer_guest_info(&mut self, commands: Value) {
        let request = self.recv().await;
        assert_eq!(command(&request), "guest-info", "{request}");
        self.reply(
            &request,
            json!({"version": "10.0.2", "supported_commands": commands}),
        )
        .await;
    }

    /// The 0xFF parser resets the client sent.
    pub fn resyncs(&self) -> u64 {
        self.reader.decoder().sentinels_skipped()
    }
}

/// The command name of a request (`execute` or `exec-oob`).
pub fn command(request: &Value) -> &str {
    request
        .get("execute")
        .or_else(|| request.get("exec-oob"))
        .and_then(Value::as_str)
        .expect("a request")
}
