//! The QEMU Guest Agent client.
//!
//! The guest agent speaks the QMP wire format without a greeting or capabilities
//! negotiation, usually over a virtio-serial port that has no connection semantics: the agent
//! may still hold half a request from a previous client, and may still have answers queued
//! for it. So connecting first synchronises as the specification's "QGA Synchronization"
//! section describes: send a 0xFF byte (a lexical error that resets the agent's parser; the
//! agent answers it with an id-less error, which we skip), then `guest-sync-delimited` with a
//! random id. The agent puts a 0xFF byte right before that answer, so everything before the
//! sentinel is discarded, and answers are read until the one echoing our id. An agent that
//! does not answer yet (it may not run yet) is asked again with a new id, until the handshake
//! timeout; an answer to any of those ids completes the sync. After that the connection is
//! an ordinary (in-band only) QMP connection, and the client asks `guest-info` once which
//! commands send no answer on success (see [`crate::qga_no_answer`]).

use std::collections::hash_map::RandomState;
use std::fmt::Display;
use std::hash::BuildHasher;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::ToSocketAddrs;
use tokio_util::codec::FramedRead;

use crate::client::{Client, ClientConfig, Io};
use crate::codec::{encode_line, JsonCodec, SENTINEL};
use crate::command::Command;
use crate::error::{Error, ProtocolError};
use crate::qga_no_answer::NoAnswerOnSuccess;
use crate::wire::{ExecMode, Request, ServerMessage};

/// The fence for id-less error recovery (see the client driver): every agent has it.
const QGA_FENCE_COMMAND: &str = "guest-ping";

/// How long the first `guest-sync-delimited` waits before it is sent again; each retry waits
/// twice as long, up to [`MAX_SYNC_PAUSE`], until the handshake timeout.
const FIRST_SYNC_PAUSE: Duration = Duration::from_millis(250);
const MAX_SYNC_PAUSE: Duration = Duration::from_secs(2);

/// A synchronised connection to a guest agent.
///
/// Commands that send no answer on success (`guest-shutdown`, `guest-suspend-*`, as the
/// agent's `guest-info` reports) complete with `{}` as soon as they are written, so they never
/// hang; an error the agent sends for them later is logged (`tracing`), as nobody waits for
/// it any more. A call whose caller gave up (timeout or drop) no longer counts against the in-flight limit (the guest agent protocol has none; QMP's limit
/// protects its out-of-band queue), so such calls never block later ones. Running
/// `guest-sync-delimited` again through [`GuestAgent::execute_raw`] is fine: the 0xFF the agent
/// puts before its answer is skipped.
#[derive(Debug, Clone)]
pub struct GuestAgent {
    client: Client,
    sync_id: u64,
    no_answer: Arc<NoAnswerOnSuccess>,
}

impl GuestAgent {
    /// Synchronises with the agent on any byte stream and starts the connection driver.
    ///
    /// # Errors
    /// [`ProtocolError::HandshakeTimeout`] when the agent does not answer the sync in time,
    /// [`Error::Disconnected`] when the stream ends, [`ProtocolError::Stream`] for unframeable
    /// input after the sentinel, [`ProtocolError::HandshakeTimeout`] (stage `guest-info`) or
    /// [`Error::Decode`] when `guest-info` is not answered in time or not understood.
    pub async fn connect<T>(io: T, config: ClientConfig) -> Result<GuestAgent, Error>
    where
        T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        GuestAgent::connect_io(Io::from_stream(io), config).await
    }

    async fn connect_io(io: Io, config: ClientConfig) -> Result<GuestAgent, Error> {
        let mut reader = FramedRead::new(io, JsonCodec::new(config.max_message_size));
        let stage = "guest-sync-delimited";
        let sync_id = crate::client::within_handshake(config.handshake_timeout, stage, async {
            let mut sent = Vec::new();
            let mut pause = FIRST_SYNC_PAUSE;
            loop {
                // Random (std's randomly keyed hasher, fresh keys per call), so a late answer
                // to an earlier connection's sync is not taken for ours; only 53 bits and never
                // 0, so the id survives agents or proxies that handle JSON numbers as doubles.
                let sync_id = RandomState::new().hash_one(sent.len()) % ((1 << 53) - 1) + 1;
                sent.push(sync_id);
                send_sync(&mut reader, sync_id).await?;
                match tokio::time::timeout(pause, answer_to(&mut reader, &sent)).await {
                    Ok(answered) => return answered,
                    // An agent that is not running yet (a guest still booting) never sees
                    // what was sent to its port: ask again. Reading resumes where it was.
                    Err(_) => {
                        tracing::debug!(?pause, "the guest agent did not answer; syncing again");
                        pause = (pause * 2).min(MAX_SYNC_PAUSE);
                    }
                }
            }
        })
        .await?;
        let client = Client::spawn(
            reader,
            &config,
            None,
            false,
            QGA_FENCE_COMMAND,
            true,
            1,
            Vec::new(),
        );
        let learn = NoAnswerOnSuccess::learn(&client);
        let no_answer =
            crate::client::within_handshake(config.handshake_timeout, "guest-info", learn).await?;
        Ok(GuestAgent {
            client,
            sync_id,
            no_answer: Arc::new(no_answer),
        })
    }

    /// Connects to an agent listening on a Unix socket (`qemu-ga -m unix-listen -p PATH`, or
    /// the host side of a virtio-serial chardev).
    ///
    /// # Errors
    /// [`Error::Connect`] when the socket cannot be reached; the errors of
    /// [`GuestAgent::connect`].
    pub async fn connect_unix(
        path: impl AsRef<Path>,
        config: ClientConfig,
    ) -> Result<GuestAgent, Error> {
        let path = path.as_ref();
        let open = |timeout| crate::client::unix_stream(path, timeout);
        crate::client::with_reconnect(&config, open, GuestAgent::connect_io).await
    }

    /// Connects to an agent reachable over TCP (e.g. a chardev socket of the VM).
    ///
    /// # Errors
    /// [`Error::Connect`] when the address cannot be reached; the errors of
    /// [`GuestAgent::connect`].
    pub async fn connect_tcp<A>(address: A, config: ClientConfig) -> Result<GuestAgent, Error>
    where
        A: ToSocketAddrs + Display,
    {
        let open = |timeout| crate::client::tcp_stream(&address, timeout);
        crate::client::with_reconnect(&config, open, GuestAgent::connect_io).await
    }

    /// The random id used for `guest-sync-delimited`.
    pub fn sync_id(&self) -> u64 {
        self.sync_id
    }

    /// A handle to the same agent whose calls time out after `timeout` (`None`: never).
    pub fn with_timeout(&self, timeout: Option<std::time::Duration>) -> GuestAgent {
        GuestAgent {
            client: self.client.with_timeout(timeout),
            sync_id: self.sync_id,
            no_answer: self.no_answer.clone(),
        }
    }

    /// Whether the agent answers `command` when it succeeds (as its `guest-info` said at
    /// connect time). The calls of those that do not return once the command is written.
    pub fn answers_on_success(&self, command: &str) -> bool {
        self.no_answer.answers(command)
    }

    /// Executes a typed guest-agent command (hand-derived with `#[derive(Command)]` or
    /// generated from the agent's schema).
    ///
    /// A command that does not answer on success ([`GuestAgent::answers_on_success`])
    /// returns `{}` decoded as `C::Output` once written.
    ///
    /// # Errors
    /// As [`Client::execute`].
    pub async fn execute<C: Command>(&self, command: &C) -> Result<C::Output, Error> {
        if self.answers_on_success(C::NAME) {
            self.client.execute(command).await
        } else {
            self.client.execute_unanswered(command).await
        }
    }

    /// Executes any agent command by name with optional JSON arguments.
    ///
    /// Like [`GuestAgent::execute`], one that does not answer on success returns `{}`
    /// once written.
    ///
    /// # Errors
    /// As [`Client::execute_raw`].
    pub async fn execute_raw(
        &self,
        command: &str,
        arguments: Option<Value>,
    ) -> Result<Value, Error> {
        if self.answers_on_success(command) {
            self.client.execute_raw(command, arguments).await
        } else {
            self.client.execute_raw_unanswered(command, arguments).await
        }
    }

    /// Whether the connection has ended.
    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }
}

/// Sends a parser reset (0xFF) and `guest-sync-delimited` with `sync_id`, and makes the reader
/// skip to the sentinel the agent puts before its answer.
async fn send_sync(reader: &mut FramedRead<Io, JsonCodec>, sync_id: u64) -> Result<(), Error> {
    let arguments = serde_json::json!({ "id": sync_id });
    let request = Request {
        mode: ExecMode::InBand,
        command: "guest-sync-delimited",
        arguments: arguments.as_object(),
        id: None,
    };
    let mut out = bytes::BytesMut::new();
    out.extend_from_slice(&[SENTINEL]);
    encode_line(&request, &mut out).map_err(ProtocolError::Stream)?;
    reader.decoder_mut().skip_to_sentinel();
    let io = reader.get_mut();
    let failed = |error: std::io::Error| Error::Disconnected {
        reason: format!("write failed during guest-sync-delimited: {error}"),
    };
    io.write_all(&out).await.map_err(failed)?;
    io.flush().await.map_err(failed)
}

/// Reads until the answer echoing one of the `sent` ids, and returns that id.
async fn answer_to(reader: &mut FramedRead<Io, JsonCodec>, sent: &[u64]) -> Result<u64, Error> {
    loop {
        match crate::client::next_handshake_message(reader).await? {
            ServerMessage::Response(response) => {
                let echoed = response.result.as_ref().ok().and_then(Value::as_u64);
                if let Some(id) = echoed.filter(|id| sent.contains(id)) {
                    return Ok(id);
                }
                tracing::debug!(?response, "skipping a message while synchronising");
                // Output meant for a previous client that followed a 0xFF of its own: our
                // answer has its own sentinel, so skip to the next one.
                reader.decoder_mut().skip_to_sentinel();
            }
            other => {
                tracing::debug!(?other, "skipping a message while synchronising");
                reader.decoder_mut().skip_to_sentinel();
            }
        }
    }
}
