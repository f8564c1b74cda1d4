//! A TCP connection whose reads and writes wait without blocking.

use std::future::poll_fn;
use std::io;
use std::net::{Shutdown, SocketAddr, ToSocketAddrs};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::socket;
use crate::io::{AsyncRead, AsyncWrite, PollEvented};
use crate::reactor::Direction;
use crate::trace;

// ANCHOR: stream
/// A TCP connection, registered with the reactor of the runtime that made
/// it: once, for reading and writing.
pub struct TcpStream {
    io: PollEvented<std::net::TcpStream>,
}
// ANCHOR_END: stream

impl TcpStream {
    // ANCHOR: connect
    /// Connects to `addr` (the first of its addresses that accepts). The
    /// handshake runs while the task waits: the socket becomes writable
    /// when it is over, and its pending error says how it went.
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let mut last = None;
        for addr in addr.to_socket_addrs()? {
            match TcpStream::connect_one(addr).await {
                Ok(stream) => return Ok(stream),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            let why = "no address to connect to";
            io::Error::new(io::ErrorKind::InvalidInput, why)
        }))
    }

    async fn connect_one(addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = TcpStream::from_accepted(socket::connect(addr)?)?;
        let registration = stream.io.registration();
        poll_fn(|cx| registration.poll_ready(cx, Direction::Write)).await?;
        match stream.io.get_ref().take_error()? {
            Some(e) => Err(e),
            None => Ok(stream),
        }
    }
    // ANCHOR_END: connect

    /// Takes over a connected std socket, setting it non-blocking.
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        TcpStream::from_accepted(stream)
    }

    /// Registers a socket that is non-blocking already.
    #[doc(hidden)]
    pub fn from_accepted(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: PollEvented::new(stream)?,
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Turns Nagle's algorithm off (`true`) or on.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    // ANCHOR: poll_read
    /// Reads into `buf` if the reactor says data is there; a read that
    /// returns fewer bytes than `buf` holds has drained the socket.
    fn poll_read_ref(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let registration = self.io.registration();
        registration.poll_stream_io(cx, Direction::Read, buf.len(), || {
            let read = socket::read(self.io.get_ref(), buf);
            trace::record(|| {
                let got = match &read {
                    Ok(0) => "0 bytes: end of stream".to_string(),
                    Ok(n) if *n < buf.len() => {
                        format!("{n} bytes, short: clear readable")
                    }
                    Ok(n) => format!("{n} bytes"),
                    Err(e) => {
                        format!("{}: clear readable", socket::describe(e))
                    }
                };
                format!("{}->>K: read: {got}", trace::actor())
            });
            read
        })
    }
    // ANCHOR_END: poll_read

    fn poll_write_ref(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let registration = self.io.registration();
        registration.poll_stream_io(cx, Direction::Write, buf.len(), || {
            let written = socket::write(self.io.get_ref(), buf);
            trace::record(|| {
                let did = match &written {
                    Ok(n) if *n < buf.len() => {
                        format!(
                            "{n} of {} bytes, short: clear writable",
                            buf.len()
                        )
                    }
                    Ok(n) => format!("{n} bytes"),
                    Err(e) => socket::describe(e),
                };
                format!("{}->>K: write: {did}", trace::actor())
            });
            written
        })
    }

    fn shutdown_write(&self) -> io::Result<()> {
        self.io.get_ref().shutdown(Shutdown::Write)
    }
}

// ANCHOR: async_read
impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_ref(cx, buf)
    }
}
// ANCHOR_END: async_read

impl AsyncWrite for TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_ref(cx, buf)
    }

    fn poll_flush(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        // A socket keeps no buffer of ours: whatever `write` took is the
        // kernel's.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown_write())
    }
}

/// As with std's `&TcpStream`, a shared reference reads and writes too:
/// one task may read while another writes. Each direction keeps one
/// waker, so one task at a time may wait to read, and one to write.
impl AsyncRead for &TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_ref(cx, buf)
    }
}

impl AsyncWrite for &TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_ref(cx, buf)
    }

    fn poll_flush(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown_write())
    }
}

impl std::fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::os::fd::AsRawFd;
        f.debug_struct("TcpStream")
            .field("fd", &self.io.as_raw_fd())
            .field("token", &self.io.registration().token())
            .finish()
    }
}
