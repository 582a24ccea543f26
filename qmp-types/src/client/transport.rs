//! Connecting over the transports QMP servers offer (Unix sockets, TCP, or any byte stream such
//! as a spawned QEMU's stdio), retrying while the server is not listening yet, and the one
//! stream type the handshake and the driver use, which can send file descriptors
//! (`SCM_RIGHTS`) when it is a Unix socket.

use std::any::Any;
use std::fmt::Display;
use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage, SendFlags};
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::{TcpStream, ToSocketAddrs, UnixStream};
use tokio::time::Instant;

use crate::client::{Client, ClientConfig, Negotiating};
use crate::error::Error;

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
    /// connection is retried until the handshake timeout.
    ///
    /// # Errors
    /// [`Error::Connect`] when the socket cannot be reached in time; the handshake errors of
    /// [`Client::connect`].
    pub async fn connect_unix(
        path: impl AsRef<Path>,
        config: ClientConfig,
    ) -> Result<Client, Error> {
        let stream = unix_stream(path.as_ref(), config.handshake_timeout).await?;
        Negotiating::start_io(stream, config)
            .await?
            .negotiate()
            .await
    }

    /// Connects to a QMP server listening on TCP, retrying refused connections until the
    /// handshake timeout. TCP cannot pass file descriptors.
    ///
    /// # Errors
    /// [`Error::Connect`] when the address cannot be reached in time; the handshake errors of
    /// [`Client::connect`].
    pub async fn connect_tcp<A>(address: A, config: ClientConfig) -> Result<Client, Error>
    where
        A: ToSocketAddrs + Display,
    {
        let stream = tcp_stream(address, config.handshake_timeout).await?;
        Negotiating::start_io(stream, config)
            .await?
            .negotiate()
            .await
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
pub(crate) async fn tcp_stream<A>(address: A, timeout: Option<Duration>) -> Result<Io, Error>
where
    A: ToSocketAddrs + Display,
{
    let target = address.to_string();
    let stream = retry_connect(target, timeout, || TcpStream::connect(&address)).await?;
    // QMP exchanges are small request/answer pairs: Nagle's algorithm would only delay them.
    let _ = stream.set_nodelay(true);
    Ok(Io::from_stream(stream))
}

/// Any byte stream the client can run on.
pub(crate) trait ByteStream: AsyncRead + AsyncWrite + Unpin + Send + 'static {
    /// The stream as a Unix socket, when it is one (it can then carry file descriptors).
    fn unix_socket(&self) -> Option<&UnixStream>;
    /// What kind of stream this is, for the error that refuses file descriptors.
    fn transport_kind(&self) -> &'static str;
}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> ByteStream for T {
    fn unix_socket(&self) -> Option<&UnixStream> {
        (self as &dyn Any).downcast_ref::<UnixStream>()
    }

    fn transport_kind(&self) -> &'static str {
        if (self as &dyn Any).is::<TcpStream>() {
            "TCP"
        } else {
            "a byte stream that is not a Unix socket"
        }
    }
}

/// The connection's stream: a Unix socket made by this crate (no dynamic dispatch on the
/// common path), or any other stream, boxed.
pub(crate) enum Io {
    /// A Unix socket.
    Unix(UnixStream),
    /// Any other stream (a caller's own stream, which may be a Unix socket too, or TCP).
    Other(Pin<Box<dyn ByteStream>>),
}

impl Io {
    /// Wraps a caller's stream.
    pub(crate) fn from_stream<T: ByteStream>(io: T) -> Io {
        Io::Other(Box::pin(io))
    }

    fn as_unix(&self) -> Option<&UnixStream> {
        match self {
            Io::Unix(stream) => Some(stream),
            // Through the trait object: the box itself is a `ByteStream` too.
            Io::Other(stream) => stream.as_ref().get_ref().unix_socket(),
        }
    }

    /// `None` when file descriptors can be sent, or the kind of transport that cannot.
    pub(crate) fn fd_passing_unsupported(&self) -> Option<&'static str> {
        match self {
            Io::Unix(_) => None,
            Io::Other(stream) => {
                let stream = stream.as_ref().get_ref();
                match stream.unix_socket() {
                    Some(_) => None,
                    None => Some(stream.transport_kind()),
                }
            }
        }
    }

    /// Writes a prefix of `buf` with `fds` attached to its first byte (`sendmsg` with
    /// `SCM_RIGHTS`). When it returns `Ok(n)` with `n > 0`, every descriptor was sent.
    pub(crate) fn poll_write_with_fds(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
        fds: &[OwnedFd],
    ) -> Poll<io::Result<usize>> {
        let Some(stream) = Io::as_unix(self) else {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "file descriptors can only be passed over a Unix socket",
            )));
        };
        let borrowed: Vec<BorrowedFd<'_>> = fds.iter().map(AsFd::as_fd).collect();
        let mut space =
            vec![MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(fds.len()))];
        loop {
            match stream.poll_write_ready(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => return Poll::Pending,
            }
            let sent = stream.try_io(Interest::WRITABLE, || {
                let mut control = SendAncillaryBuffer::new(&mut space);
                if !control.push(SendAncillaryMessage::ScmRights(&borrowed)) {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "too many file descriptors for one message",
                    ));
                }
                let iov = [IoSlice::new(buf)];
                rustix::net::sendmsg(stream.as_fd(), &iov, &mut control, SendFlags::NOSIGNAL)
                    .map_err(io::Error::from)
            });
            match sent {
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => continue,
                other => return Poll::Ready(other),
            }
        }
    }
}

impl AsyncRead for Io {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Io::Unix(stream) => Pin::new(stream).poll_read(cx, buf),
            Io::Other(stream) => stream.as_mut().poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Io::Unix(stream) => Pin::new(stream).poll_write(cx, buf),
            Io::Other(stream) => stream.as_mut().poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Io::Unix(stream) => Pin::new(stream).poll_flush(cx),
            Io::Other(stream) => stream.as_mut().poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Io::Unix(stream) => Pin::new(stream).poll_shutdown(cx),
            Io::Other(stream) => stream.as_mut().poll_shutdown(cx),
        }
    }
}
