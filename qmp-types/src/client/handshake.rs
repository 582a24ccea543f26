//! The QMP handshake and the pre-negotiation state.
//!
//! Until `qmp_capabilities` succeeds, a QMP server is in "capabilities negotiation" mode: it
//! rejects every other command with `CommandNotFound` and sends no events. [`Negotiating`]
//! models that state: it exposes the greeting and the negotiation, nothing else, so no other
//! command can be sent too early. The handshake runs before the driver exists, reading and
//! writing the stream directly; the framing buffer is then handed to the driver, so no byte
//! that arrived right after the negotiation's answer is lost.
//!
//! Events that arrive before the greeting or during negotiation are kept and handed to the
//! driver, which delivers them first to the subscription made at connect time: QEMU 7.2
//! sometimes sends `RESUME` before its greeting to a client that connects while it starts.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio_stream::StreamExt;
use tokio_util::codec::FramedRead;

use crate::client::events::WireEvent;
use crate::client::stream::Io;
use crate::client::{Client, ClientConfig};
use crate::codec::{encode_line, JsonCodec};
use crate::command::Command;
use crate::error::{Error, ProtocolError};
use crate::wire::{Capability, ExecMode, Greeting, QmpCapabilities, Request, ServerMessage};

/// A harmless command every QMP server (system emulator and storage daemon) has, used as the
/// fence when resynchronising after an id-less error.
const QMP_FENCE_COMMAND: &str = "query-version";

/// The handshake stage of `qmp_capabilities`, as named in [`ProtocolError::HandshakeTimeout`].
pub(crate) const NEGOTIATION_STAGE: &str = "capabilities negotiation";

/// A connection whose greeting has been read but whose capabilities are not negotiated yet.
pub struct Negotiating {
    reader: FramedRead<Io, JsonCodec>,
    greeting: Greeting,
    config: ClientConfig,
    /// Events received before the driver starts, in order.
    early_events: Vec<WireEvent>,
}

impl std::fmt::Debug for Negotiating {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Negotiating")
            .field("greeting", &self.greeting)
            .field("early_events", &self.early_events.len())
            .finish_non_exhaustive()
    }
}

impl Negotiating {
    /// Reads the server's greeting from `io`, keeping any events sent before it.
    ///
    /// # Errors
    /// [`ProtocolError::NoGreeting`] when a response arrives instead,
    /// [`ProtocolError::HandshakeTimeout`], [`ProtocolError::Stream`] for unframeable input,
    /// [`Error::Disconnected`] when the stream ends first.
    pub async fn start<T>(io: T, config: ClientConfig) -> Result<Self, Error>
    where
        T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        Self::start_io(Io::from_stream(io), config).await
    }

    /// [`Negotiating::start`] on the crate's own stream type.
    pub(crate) async fn start_io(io: Io, config: ClientConfig) -> Result<Self, Error> {
        let mut reader = FramedRead::new(io, JsonCodec::new(config.max_message_size));
        let mut early_events = Vec::new();
        let greeting = within(config.handshake_timeout, "greeting", async {
            loop {
                let (message, bytes) = next_message_sized(&mut reader).await?;
                match message {
                    ServerMessage::Greeting(greeting) => return Ok(greeting),
                    ServerMessage::Event(event) => {
                        tracing::debug!(event = %event.event, "event before the greeting");
                        early_events.push(WireEvent {
                            message: Arc::new(event),
                            bytes,
                        });
                    }
                    other => {
                        return Err(ProtocolError::NoGreeting {
                            got: format!("{other:?}").chars().take(200).collect(),
                        }
                        .into())
                    }
                }
            }
        })
        .await?;
        Ok(Negotiating {
            reader,
            greeting,
            config,
            early_events,
        })
    }

    /// The server's greeting (version and offered capabilities).
    pub fn greeting(&self) -> &Greeting {
        &self.greeting
    }

    /// Negotiates and starts the connection: enables `oob` when the server offers it and the
    /// configuration allows it.
    ///
    /// # Errors
    /// [`Error::Qmp`] when the server rejects the negotiation; the stream errors of
    /// [`Negotiating::start`].
    pub async fn negotiate(self) -> Result<Client, Error> {
        let mut enable = Vec::new();
        if self.config.enable_oob && self.greeting.offers(&Capability::Oob) {
            enable.push(Capability::Oob);
        }
        self.negotiate_with(enable).await
    }

    /// Negotiates exactly the capabilities in `enable` (each must be offered by the server) and
    /// starts the connection.
    ///
    /// # Errors
    /// As [`Negotiating::negotiate`].
    pub async fn negotiate_with(mut self, enable: Vec<Capability>) -> Result<Client, Error> {
        let oob = enable.contains(&Capability::Oob);
        let command = QmpCapabilities { enable };
        let arguments = serde_json::to_value(&command)
            .ok()
            .and_then(|value| value.as_object().cloned());
        // Another id on each connection of the connect loop: QEMU keeps one monitor across
        // connections, so a late answer to an abandoned connection's negotiation could
        // otherwise be taken for this one's.
        let id = self
            .config
            .reconnects_before
            .map_or(0, |before| u64::try_from(before).unwrap_or(u64::MAX));
        let request = Request {
            mode: ExecMode::InBand,
            command: QmpCapabilities::NAME,
            arguments: arguments.as_ref(),
            id: Some(id),
        };
        // A connection the connect loop opened is given up after the negotiation patience,
        // and the loop opens a new one (see `ClientConfig::negotiation_patience`).
        let timeout = match (
            self.config.reconnects_before,
            self.config.negotiation_patience,
        ) {
            (Some(_), Some(patience)) => Some(
                self.config
                    .handshake_timeout
                    .map_or(patience, |limit| limit.min(patience)),
            ),
            _ => self.config.handshake_timeout,
        };
        within(timeout, NEGOTIATION_STAGE, async {
            let mut out = bytes::BytesMut::new();
            encode_line(&request, &mut out).map_err(ProtocolError::Stream)?;
            let io = self.reader.get_mut();
            io.write_all(&out).await.map_err(write_failed)?;
            io.flush().await.map_err(write_failed)?;
            loop {
                let (message, bytes) = next_message_sized(&mut self.reader).await?;
                match message {
                    ServerMessage::Response(response) if response.id == Some(id.into()) => {
                        return response.result.map(drop).map_err(|body| Error::Qmp {
                            command: QmpCapabilities::NAME.to_owned(),
                            class: body.class,
                            desc: body.desc,
                        });
                    }
                    // The server could not parse the negotiation request: no answer with our
                    // id will come.
                    ServerMessage::Response(response) if response.id.is_none() => {
                        if let Err(body) = response.result {
                            return Err(Error::Qmp {
                                command: QmpCapabilities::NAME.to_owned(),
                                class: body.class,
                                desc: body.desc,
                            });
                        }
                        tracing::debug!("ignoring a success response without id");
                    }
                    ServerMessage::Event(event) => self.early_events.push(WireEvent {
                        message: Arc::new(event),
                        bytes,
                    }),
                    // A server that greets again has started the session over (QEMU resets
                    // its parser when it sends the greeting), so our request may be gone:
                    // send it again. Should both be answered, the second answer's id is
                    // unknown to the driver and dropped.
                    ServerMessage::Greeting(_) => {
                        tracing::debug!("second greeting during negotiation; negotiating again");
                        let io = self.reader.get_mut();
                        io.write_all(&out).await.map_err(write_failed)?;
                        io.flush().await.map_err(write_failed)?;
                    }
                    other => tracing::debug!(?other, "ignoring a message during negotiation"),
                }
            }
        })
        .await?;
        Ok(Client::spawn(
            self.reader,
            &self.config,
            Some(self.greeting),
            oob,
            QMP_FENCE_COMMAND,
            false,
            id + 1,
            self.early_events,
        ))
    }
}

fn write_failed(error: std::io::Error) -> Error {
    Error::Disconnected {
        reason: format!("write failed during the handshake: {error}"),
    }
}

/// Reads the next message the client understands, skipping (and tracing) others.
pub(crate) async fn next_message<T: AsyncRead + Unpin>(
    reader: &mut FramedRead<T, JsonCodec>,
) -> Result<ServerMessage, Error> {
    next_message_sized(reader).await.map(|(message, _)| message)
}

/// [`next_message`] with the number of bytes it took on the stream.
async fn next_message_sized<T: AsyncRead + Unpin>(
    reader: &mut FramedRead<T, JsonCodec>,
) -> Result<(ServerMessage, usize), Error> {
    loop {
        let before = reader.decoder().stream_offset();
        let next = reader.next().await;
        let bytes = wire_bytes(before, reader.decoder().stream_offset());
        match next {
            None => {
                return Err(Error::Disconnected {
                    reason: "the server closed the connection during the handshake".into(),
                })
            }
            Some(Err(error)) => return Err(ProtocolError::Stream(error).into()),
            Some(Ok(value)) => match ServerMessage::from_value(value) {
                Ok(message) => return Ok((message, bytes)),
                Err(error) => tracing::warn!(%error, "ignoring a message during the handshake"),
            },
        }
    }
}

/// The size of a message from the codec's stream offsets before and after it.
pub(crate) fn wire_bytes(before: u64, after: u64) -> usize {
    usize::try_from(after.saturating_sub(before)).unwrap_or(usize::MAX)
}

/// Runs a handshake stage with the configured timeout.
pub(crate) async fn within<F, R>(
    timeout: Option<Duration>,
    stage: &'static str,
    future: F,
) -> Result<R, Error>
where
    F: Future<Output = Result<R, Error>>,
{
    match timeout {
        None => future.await,
        Some(after) => tokio::time::timeout(after, future)
            .await
            .unwrap_or_else(|_| Err(ProtocolError::HandshakeTimeout { stage, after }.into())),
    }
}
