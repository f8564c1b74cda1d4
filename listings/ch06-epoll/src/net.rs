//! Green sockets: non-blocking underneath, blocking-looking on top. A call
//! that would block parks the calling green thread instead of the OS thread.

use std::cell::Cell;
use std::io::{self, Read, Write};
use std::net::{self, SocketAddr, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use crate::netpoll::{Interest, SourceToken};
use crate::park::{self, retry_when_ready};
use crate::sys::cvt;
use crate::trace;

// ANCHOR: registered
/// A non-blocking socket, registered with the netpoller for as long as it
/// lives.
struct Registered<S: AsRawFd> {
    socket: S,
    source: SourceToken,
}

impl<S: AsRawFd> Registered<S> {
    fn new(socket: S) -> io::Result<Registered<S>> {
        let source = park::register(socket.as_raw_fd())?;
        Ok(Registered { socket, source })
    }
}

impl<S: AsRawFd> Drop for Registered<S> {
    fn drop(&mut self) {
        // Runs before the field `socket` is dropped and closes the
        // descriptor, which `EPOLL_CTL_DEL` needs to find the registration.
        // A failure leaves nothing to clean up.
        let _ = park::deregister(self.source, self.socket.as_raw_fd());
    }
}
// ANCHOR_END: registered

// ANCHOR: listener
pub struct TcpListener {
    inner: Registered<net::TcpListener>,
}

impl TcpListener {
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let listener = net::TcpListener::bind(addr)?;
        // std listens with a backlog of 128. Calling listen again on a
        // listening socket only changes the backlog; a longer queue keeps a
        // burst of connects from being dropped and retried a second later.
        // SAFETY: listen takes no pointers; the fd is a valid socket.
        cvt(unsafe { libc::listen(listener.as_raw_fd(), libc::SOMAXCONN) })?;
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            inner: Registered::new(listener)?,
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.socket.local_addr()
    }

    /// The next connection, parking until one arrives.
    pub fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, peer) = self.accept_std()?;
        Ok((TcpStream::from_std(stream)?, peer))
    }

    /// The next connection as std accepted it, not yet registered: for a
    /// server that must tell a failing `accept` from a failing
    /// registration, which costs one connection only.
    pub fn accept_std(&self) -> io::Result<(net::TcpStream, SocketAddr)> {
        retry_when_ready(self.inner.source, Interest::Read, None, || {
            trace::io("accept", self.inner.socket.accept())
        })
    }
}
// ANCHOR_END: listener

// ANCHOR: stream
pub struct TcpStream {
    inner: Registered<net::TcpStream>,
    read_timeout: Cell<Option<Duration>>,
}

impl TcpStream {
    /// Takes over a connected std socket and makes it non-blocking.
    pub fn from_std(stream: net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream {
            inner: Registered::new(stream)?,
            read_timeout: Cell::new(None),
        })
    }

    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.socket.peer_addr()
    }

    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.socket.set_nodelay(nodelay)
    }
}

impl Read for &TcpStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let timeout = self.read_timeout.get();
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        retry_when_ready(self.inner.source, Interest::Read, deadline, || {
            trace::io("read", (&self.inner.socket).read(buf))
        })
    }
}

impl Write for &TcpStream {
    /// std's `write` on Linux sends with `MSG_NOSIGNAL`: a peer that has gone
    /// away gives `EPIPE`, never a `SIGPIPE` that would kill the process.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        retry_when_ready(self.inner.source, Interest::Write, None, || {
            trace::io("write", (&self.inner.socket).write(buf))
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
// ANCHOR_END: stream

impl Read for TcpStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self).read(buf)
    }
}

impl Write for TcpStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self).write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

// ANCHOR: read_timeout
impl TcpStream {
    /// Like `std::net::TcpStream::set_read_timeout`: a read that waits longer
    /// than `timeout` fails with `ErrorKind::TimedOut`. Only the green thread
    /// waits; the scheduler wakes it at the deadline.
    pub fn set_read_timeout(&self, timeout: Option<Duration>) {
        self.read_timeout.set(timeout);
    }
}
// ANCHOR_END: read_timeout
