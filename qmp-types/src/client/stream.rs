//! The one stream type the handshake and the driver use: a Unix socket or any other byte
//! stream, able to send file descriptors (`SCM_RIGHTS`) when it is a Unix socket.

use std::any::Any;
use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage, SendFlags};
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::{TcpStream, UnixStream};

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
