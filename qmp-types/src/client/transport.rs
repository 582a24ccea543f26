//! Connecting over the transports QMP servers offer: Unix sockets, TCP, or any byte stream
//! (a spawned QEMU's stdio, a test pipe).

use std::fmt::Display;
use std::path::Path;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, ToSocketAddrs, UnixStream};

use crate::client::{Client, ClientConfig, Negotiating};
use crate::error::Error;

impl Client {
    /// Performs the handshake on any byte stream (greeting, then negotiation with `oob` when
    /// offered and enabled) and starts the connection driver on the current tokio runtime.
    ///
    /// # Errors
    /// The handshake errors of [`Negotiating::start`] and [`Negotiating::negotiate`].
    pub async fn connect<T>(io: T, config: ClientConfig) -> Result<Client, Error>
    where
        T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        Negotiating::start(io, config).await?.negotiate().await
    }

    /// Connects to a QMP server listening on a Unix socket.
    ///
    /// # Errors
    /// [`Error::Connect`] when the socket cannot be reached; the handshake errors of
    /// [`Client::connect`].
    pub async fn connect_unix(
        path: impl AsRef<Path>,
        config: ClientConfig,
    ) -> Result<Client, Error> {
        Client::connect(unix_stream(path.as_ref()).await?, config).await
    }

    /// Connects to a QMP server listening on TCP.
    ///
    /// # Errors
    /// [`Error::Connect`] when the address cannot be reached; the handshake errors of
    /// [`Client::connect`].
    pub async fn connect_tcp<A>(address: A, config: ClientConfig) -> Result<Client, Error>
    where
        A: ToSocketAddrs + Display,
    {
        Client::connect(tcp_stream(address).await?, config).await
    }
}

/// Connects a Unix socket, naming the path in the error (QMP and guest-agent clients).
pub(crate) async fn unix_stream(path: &Path) -> Result<UnixStream, Error> {
    UnixStream::connect(path)
        .await
        .map_err(|source| Error::Connect {
            target: path.display().to_string(),
            source,
        })
}

/// Connects over TCP with Nagle's algorithm off, naming the address in the error.
pub(crate) async fn tcp_stream<A>(address: A) -> Result<TcpStream, Error>
where
    A: ToSocketAddrs + Display,
{
    let target = address.to_string();
    let stream = TcpStream::connect(address)
        .await
        .map_err(|source| Error::Connect { target, source })?;
    // QMP exchanges are small request/answer pairs: Nagle's algorithm would only delay them.
    let _ = stream.set_nodelay(true);
    Ok(stream)
}
