//! The client's error type: what went wrong, naming the command or the stream position.

use std::time::Duration;

use serde_json::Value;

use crate::codec::CodecError;
use crate::wire::{ErrorClass, WireError};

/// An error from the QMP or guest-agent client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server executed the command and answered with an error response.
    #[error("`{command}` failed: {class}: {desc}")]
    Qmp {
        /// The command's wire name.
        command: String,
        /// The error class (usually `GenericError`).
        class: ErrorClass,
        /// The server's message.
        desc: String,
    },
    /// The connection is gone (server exited, socket closed, QEMU killed, or a fatal stream
    /// error); every pending and later call fails with this.
    #[error("disconnected from the server: {reason}")]
    Disconnected {
        /// Why the connection ended.
        reason: String,
    },
    /// No answer arrived within the call's timeout. The call is abandoned; its late answer is
    /// discarded and the connection stays usable.
    #[error("`{command}` got no answer within {after:?}")]
    Timeout {
        /// The command's wire name.
        command: String,
        /// The timeout that expired.
        after: Duration,
    },
    /// The server broke the protocol, or a request was lost to a server-side parse error.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// Connecting to the server failed: with another error than "not listening yet", or with
    /// that one still after retrying for the handshake timeout.
    #[error("cannot connect to {target} (after retrying for {waited:?}): {source}")]
    Connect {
        /// The socket path or address.
        target: String,
        /// How long connecting was retried while the server was not listening yet.
        waited: Duration,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The command's `return` value does not match its Rust return type.
    #[error("cannot decode the answer of `{command}`: {source}")]
    Decode {
        /// The command's wire name.
        command: String,
        /// The decoding error.
        #[source]
        source: serde_json::Error,
    },
    /// The command's arguments cannot be sent (not serialisable, or not a JSON object).
    #[error("cannot send the arguments of `{command}`: {reason}")]
    Arguments {
        /// The command's wire name.
        command: String,
        /// What is wrong with them.
        reason: String,
    },
    /// `exec-oob` was requested but cannot be used; nothing was sent.
    #[error("`{command}` cannot be executed out of band: {reason}")]
    OobNotAvailable {
        /// The command's wire name.
        command: String,
        /// Why not.
        reason: OobUnavailable,
    },
    /// File descriptors were given for a command on a connection that cannot carry them;
    /// nothing was sent, and the descriptors were closed.
    #[error("cannot pass file descriptors with `{command}` over {transport}: only Unix sockets carry them")]
    FdPassing {
        /// The command's wire name.
        command: String,
        /// The kind of connection (`TCP`, ...).
        transport: &'static str,
    },
    /// The command succeeded, but no event matching the caller's predicate arrived in time.
    #[error("`{command}` succeeded, but no matching event arrived within {after:?}")]
    NoEvent {
        /// The command's wire name.
        command: String,
        /// The time allowed for the command and its event.
        after: Duration,
    },
    /// A job ended with an error (`query-jobs` reported it when the job concluded).
    #[error("job `{job}` failed: {desc}")]
    Job {
        /// The job's id.
        job: String,
        /// QEMU's error text.
        desc: String,
    },
    /// The server's `query-qmp-schema` answer breaks a schema rule, so what it supports
    /// cannot be told (see [`crate::client::Client::schema`]).
    #[error("the server's `query-qmp-schema` answer is not a valid schema: {0}")]
    Schema(#[source] crate::introspection::SchemaError),
    /// The blocking client could not create or use its runtime.
    #[error("blocking client: {0}")]
    Runtime(String),
    /// A problem with one event of a subscription (the blocking event iterator).
    #[error(transparent)]
    Event(#[from] EventError),
}

/// Why a command cannot be executed out of band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OobUnavailable {
    /// The `oob` capability was not negotiated (not offered by the server, or disabled in the
    /// client configuration).
    #[error("the `oob` capability was not negotiated on this connection")]
    NotNegotiated,
    /// The command's schema does not have `allow-oob: true`.
    #[error("the command does not allow out-of-band execution")]
    NotAllowed,
}

/// A violation of the protocol, or a loss the protocol makes unavoidable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The server answered with an error that carries no `id` (it could not parse a request
    /// far enough), and this request was among those it never answered. Its outcome is
    /// unknown; the connection has been resynchronised and stays usable.
    #[error(
        "`{command}` was lost: the server reported a parse error without an id ({class}: {desc})"
    )]
    RequestLost {
        /// The command's wire name.
        command: String,
        /// The id-less error's class.
        class: ErrorClass,
        /// The id-less error's message.
        desc: String,
    },
    /// The first message was not a greeting.
    #[error("expected the QMP greeting, got {got}")]
    NoGreeting {
        /// A short rendering of what arrived instead.
        got: String,
    },
    /// A response that matched a pending request could not be decoded.
    #[error("malformed answer to `{command}`: {source}")]
    MalformedResponse {
        /// The command's wire name.
        command: String,
        /// The decoding error.
        #[source]
        source: WireError,
    },
    /// The handshake did not finish within the configured time.
    #[error("the {stage} did not complete within {after:?}")]
    HandshakeTimeout {
        /// `greeting`, `capabilities negotiation` or `guest-sync-delimited`.
        stage: &'static str,
        /// The timeout that expired.
        after: Duration,
    },
    /// The byte stream could not be framed or decoded (garbage, oversized message, ...).
    #[error("invalid data from the server: {0}")]
    Stream(#[from] CodecError),
}

/// A per-subscriber problem. The stream goes on after [`EventError::Lagged`] and
/// [`EventError::Decode`], and ends after [`EventError::Overflow`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EventError {
    /// A lagging subscriber fell behind by more than its buffer; this many events were
    /// dropped for it.
    #[error("event subscriber fell behind and missed {missed} events")]
    Lagged {
        /// How many events were dropped.
        missed: u64,
    },
    /// A lossless subscriber fell behind by more than its memory cap. Every event before this
    /// item was delivered; the subscription ends here.
    #[error(
        "lossless event subscriber fell behind by more than {cap} bytes of events; \
         the subscription ended (every event before this was delivered)"
    )]
    Overflow {
        /// The cap that was exceeded, in bytes.
        cap: usize,
    },
    /// A known event whose `data` does not match its type.
    #[error("cannot decode event `{event}`: {source}; the event: {raw}")]
    Decode {
        /// The event's wire name.
        event: String,
        /// The event as received (`event`, `data`, `timestamp`).
        raw: Value,
        /// The decoding error.
        #[source]
        source: serde_json::Error,
    },
}
