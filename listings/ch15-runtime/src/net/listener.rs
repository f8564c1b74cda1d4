//! A listening socket whose `accept` waits without blocking, and keeps
//! serving through the errors a busy server meets.

use std::future::poll_fn;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::task::{Context, Poll, ready};

use super::TcpStream;
use super::socket;
use crate::accept::{self, AcceptFailure};
use crate::io::PollEvented;
use crate::reactor::Direction;
use crate::{time, trace};

// ANCHOR: listener
/// A TCP socket listening for connections, registered with the reactor of
/// the runtime that made it.
pub struct TcpListener {
    io: PollEvented<std::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` (the first of its addresses that works) and listens
    /// with a long accept queue. Like tokio's, it must run inside a
    /// runtime. (A host name is resolved by a blocking lookup; chapter 14
    /// moves such calls off the runtime's thread.)
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let listener = std::net::TcpListener::bind(addr)?;
        socket::listen(&listener)?;
        TcpListener::from_std(listener)
    }

    /// Takes over a bound, listening std socket.
    pub fn from_std(
        listener: std::net::TcpListener,
    ) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            io: PollEvented::new(listener)?,
        })
    }
}
// ANCHOR_END: listener

impl TcpListener {
    // ANCHOR: accept
    /// Waits for a connection. Errors that concern only the connection
    /// being accepted (the client gave up: `ECONNABORTED`, and the network
    /// errors accept(2) lists) are skipped; running out of descriptors or
    /// memory (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`) makes it wait
    /// [`accept::BACKOFF`] and try again, while the runtime serves the
    /// connections it has. Only a broken listener ends it with an error.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        loop {
            let failure = match poll_fn(|cx| self.poll_accept(cx)).await {
                Ok(accepted) => return Ok(accepted),
                Err(e) => e,
            };
            match accept::classify(&failure) {
                AcceptFailure::ThisConnection => {}
                AcceptFailure::OutOfResources => {
                    trace::record(|| {
                        format!(
                            "Note over {}: {failure}: back off",
                            trace::actor()
                        )
                    });
                    time::sleep(accept::BACKOFF).await;
                }
                AcceptFailure::Listener => return Err(failure),
            }
        }
    }
    // ANCHOR_END: accept

    // ANCHOR: poll_accept
    /// Accepts a connection if one is waiting; otherwise leaves the task's
    /// waker with the reactor. Returns `accept`'s errors as they are.
    pub fn poll_accept(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let registration = self.io.registration();
        loop {
            let accepted = registration.poll_io(cx, Direction::Read, || {
                let accepted = socket::accept(self.io.get_ref());
                trace::record(|| match &accepted {
                    Ok(_) => {
                        format!("{}->>K: accept4: a connection", trace::actor())
                    }
                    Err(e) => format!(
                        "{}->>K: accept4: {}",
                        trace::actor(),
                        socket::describe(e)
                    ),
                });
                accepted
            });
            let (stream, peer) = ready!(accepted)?;
            match TcpStream::from_accepted(stream) {
                Ok(stream) => return Poll::Ready(Ok((stream, peer))),
                // Registering failed (ENOSPC past max_user_watches, ENOMEM):
                // this connection is closed, the next one may do better.
                Err(_) => continue,
            }
        }
    }
    // ANCHOR_END: poll_accept

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl std::fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::os::fd::AsRawFd;
        f.debug_struct("TcpListener")
            .field("fd", &self.io.as_raw_fd())
            .field("token", &self.io.registration().token())
            .finish()
    }
}
