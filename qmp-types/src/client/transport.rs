//! Connecting over the transports QMP servers offer (Unix sockets, TCP, or any byte stream such
//! as a spawned QEMU's stdio), retrying while the server is not listening yet.

use std::fmt::Display;
use std::io;
use std::path::Path;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, ToSocketAddrs, UnixStream};
use tokio::time::Instant;

use crate::client::handshake::NEGOTIATION_STAGE;
use crate::client::stream::Io;
use crate::client::{Client, ClientConfig, Negotiating};
use crate::error::{Error, ProtocolError};

impl Client {
    /// Performs the handshake on any byte stream (greeting, then negotiation with `oob` when
    /// offered and enabled) and starts the connection driver on the current tokio runtime.
    /// File descriptors can be passed when `io` is a [`tokio::net::UnixStream`].
    ///
    /// # Errors
    /// The handshake errors of [`Negotiating::start`] and [`Negotiating::negotiate`].
    pub async fn connect<T>(io: T, config: ClientConfig) -> Result<Client, Error>
    where
        T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        Negotiating::start(io, config).await?.negotiate().await
    }

    /// Connects to a QMP server listening on a Unix socket. While the socket does not exist
    /// yet or nobody listens on it (QEMU creates the file a moment before it listens), the
    /// connection is retried until the handshake timeout. A connection the server closes
    /// during the handshake (QEMU 7.2 rarely does so to a client that connects while it
    /// starts) is opened again a few times, and so is one whose `qmp_capabilities` stays
    /// unanswered for [`ClientConfig::negotiation_patience`].
    ///
    /// # Errors
    /// [`Error::Connect`] when the socket cannot be reached in time; the handshake errors of
    /// [`Client::connect`].
    pub async fn connect_unix(
        path: impl AsRef<Path>,
        config: ClientConfig,
    ) -> Result<Client, Error> {
        let path = path.as_ref();
        with_reconnect(&config, |timeout| unix_stream(path, timeout), negotiate_on).await
    }

    /// Connects to a QMP server listening on TCP, retrying refused connections until the
    /// handshake timeout, and opening connections again during the handshake as
    /// [`Client::connect_unix`] does. TCP cannot pass file descriptors.
    ///
    /// # Errors
    /// [`Error::Connect`] when the address cannot be reached in time; the handshake errors of
    /// [`Client::connect`].
    pub async fn connect_tcp<A>(address: A, config: ClientConfig) -> Result<Client, Error>
    where
        A: ToSocketAddrs + Display,
    {
        let open = |timeout| tcp_stream(&address, timeout);
        with_reconnect(&config, open, negotiate_on).await
    }
}

/// The QMP handshake on a stream the connect loop opened.
async fn negotiate_on(stream: Io, config: ClientConfig) -> Result<Client, Error> {
    Negotiating::start_io(stream, config)
        .await?
        .negotiate()
        .await
}

/// How often a connection the server closed during the handshake is opened again: a server
/// that keeps doing so is not starting up, it refuses us.
const HANDSHAKE_RECONNECTS: usize = 5;

/// Opens a stream with `open` (given the time left) and runs `handshake` on it with the time
/// left as its handshake timeout. Opens a new connection when the server closes this one
/// during the handshake (at most [`HANDSHAKE_RECONNECTS`] times), or leaves `qmp_capabilities`
/// unanswered for the negotiation patience, while the handshake timeout has not passed.
/// Nothing but the handshake was sent on such a connection, so nothing runs twice.
pub(crate) async fn with_reconnect<T, O, OF, H, HF>(
    config: &ClientConfig,
    mut open: O,
    mut handshake: H,
) -> Result<T, Error>
where
    O: FnMut(Option<Duration>) -> OF,
    OF: std::future::Future<Output = Result<Io, Error>>,
    H: FnMut(Io, ClientConfig) -> HF,
    HF: std::future::Future<Output = Result<T, Error>>,
{
    let started = Instant::now();
    let timeout = config.handshake_timeout;
    let mut closed_by_server = 0;
    let mut reconnects = 0;
    loop {
        let left = timeout.map(|limit| limit.saturating_sub(started.elapsed()));
        let stream = open(left).await?;
        let mut attempt = config.clone().handshake_timeout(left);
        attempt.reconnects_before = Some(reconnects);
        let time_left = || timeout.map_or(true, |limit| started.elapsed() < limit);
        match handshake(stream, attempt).await {
            Err(Error::Disconnected { reason })
                if closed_by_server < HANDSHAKE_RECONNECTS && time_left() =>
            {
                closed_by_server += 1;
                tracing::debug!(%reason, reconnects, "connection closed during the handshake");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(Error::Protocol(ProtocolError::HandshakeTimeout { stage, after }))
                if stage == NEGOTIATION_STAGE && time_left() =>
            {
                tracing::warn!(
                    waited = ?after,
                    reconnects,
                    "no answer to qmp_capabilities; connecting again"
                );
            }
            // The last connection was given only the time left: report the whole timeout.
            Err(Error::Protocol(ProtocolError::HandshakeTimeout { stage, after })) => {
                let after = timeout.unwrap_or(after);
                return Err(ProtocolError::HandshakeTimeout { stage, after }.into());
            }
            other => return other,
        }
        reconnects += 1;
    }
}

/// Whether a connect error means "not listening yet": the socket file does not exist, or
/// nobody accepts on it (or on the TCP port) yet.
fn not_listening_yet(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused
    )
}

/// Runs `attempt` until it succeeds, fails with another error than "not listening yet", or
/// `timeout` has passed (`None`: no limit), sleeping a little longer after each refusal.
async fn retry_connect<S, F, Fut>(
    target: String,
    timeout: Option<Duration>,
    mut attempt: F,
) -> Result<S, Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = io::Result<S>>,
{
    let started = Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        match attempt().await {
            Ok(stream) => return Ok(stream),
            Err(source) => {
                let waited = started.elapsed();
                let out_of_time = timeout.is_some_and(|limit| waited + pause > limit);
                if !not_listening_yet(&source) || out_of_time {
                    return Err(Error::Connect {
                        target,
                        waited,
                        source,
                    });
                }
                tracing::debug!(%target, %source, "not listening yet; retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(100));
            }
        }
    }
}

/// Connects a Unix socket, retrying until `timeout` while it is not listening yet.
pub(crate) async fn unix_stream(path: &Path, timeout: Option<Duration>) -> Result<Io, Error> {
    let target = path.display().to_string();
    let stream = retry_connect(target, timeout, || UnixStream::connect(path)).await?;
    Ok(Io::Unix(stream))
}

/// Connects over TCP with Nagle's algorithm off, retrying refused connections until `timeout`.
pub(crate) async fn tcp_stream<A>(address: &A, timeout: Option<Duration>) -> Result<Io, Error>
where
    A: ToSocketAddrs + Display,
{
    let target = address.to_string();
    let stream = retry_connect(target, timeout, || TcpStream::connect(address)).await?;
    // QMP exchanges are small request/answer pairs: Nagle's algorithm would only delay them.
    let _ = stream.set_nodelay(true);
    Ok(Io::from_stream(stream))
}
