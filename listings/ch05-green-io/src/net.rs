//! Green sockets: non-blocking underneath, blocking-looking on top. A call
//! that would block parks the calling green thread instead of the OS thread.

use std::cell::Cell;
use std::io::{self, Read, Write};
use std::net::{self, SocketAddr, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};
use std::time::{Duration, Instant};

use crate::netpoll::{self, Interest};
use crate::sys::cvt;
use crate::trace;

// ANCHOR: would_block
/// Runs `op` until it stops failing with `EAGAIN`/`EWOULDBLOCK`, parking the
/// green thread until `fd` is ready after each such failure. This loop is the
/// whole trick: the handler sees one call that "blocked".
fn retry_when_ready<R>(
    fd: RawFd,
    interest: Interest,
    deadline: Option<Instant>,
    mut op: impl FnMut() -> io::Result<R>,
) -> io::Result<R> {
    loop {
        match op() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return Err(io::ErrorKind::TimedOut.into());
                }
                netpoll::park_on(fd, interest, deadline);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            result => return result,
        }
    }
}
// ANCHOR_END: would_block

// ANCHOR: registered
/// A registered non-blocking socket; deregistered when dropped.
struct Registered<S: AsRawFd> {
    socket: S,
}

impl<S: AsRawFd> Registered<S> {
    fn new(socket: S) -> io::Result<Registered<S>> {
        netpoll::register(socket.as_raw_fd())?;
        Ok(Registered { socket })
    }

    fn fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }
}

impl<S: AsRawFd> Drop for Registered<S> {
    fn drop(&mut self) {
        // Before the fd closes (when `socket` drops right after): a new socket
        // may get the same number. A failure leaves nothing to clean up.
        let _ = netpoll::deregister(self.fd());
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

    pub fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, peer) =
            retry_when_ready(self.inner.fd(), Interest::Read, None, || {
                trace::io("accept", self.inner.socket.accept())
            })?;
        Ok((TcpStream::from_std(stream)?, peer))
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
        let deadline = self.read_timeout.get().map(|t| Instant::now() + t);
        retry_when_ready(self.inner.fd(), Interest::Read, deadline, || {
            trace::io("read", (&self.inner.socket).read(buf))
        })
    }
}

impl Write for &TcpStream {
    /// std's `write` on Linux sends with `MSG_NOSIGNAL`: a peer that has gone
    /// away gives `EPIPE`, never a `SIGPIPE` that would kill the process.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        retry_when_ready(self.inner.fd(), Interest::Write, None, || {
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
