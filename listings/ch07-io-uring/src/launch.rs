//! Starting the readiness-loop server: as the `echo-epoll` binary, or in a
//! child copy of a measuring binary.

use std::io::{self, Write};
use std::net::{TcpListener, ToSocketAddrs};
use std::os::fd::AsRawFd;

use crate::event_loop::EchoLoop;
use crate::harness::limits;
use crate::sys::cvt;

// ANCHOR: bind
/// Binds a listening socket with a long accept queue. std listens with a
/// backlog of 128; a burst of a thousand connects overflows it, and each
/// dropped connect is retried a second later (chapter 5 measured it).
pub fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
    let listener = TcpListener::bind(addr)?;
    // SAFETY: listen on a descriptor the listener owns; no pointers. The
    // kernel caps SOMAXCONN at net.core.somaxconn.
    cvt(unsafe { libc::listen(listener.as_raw_fd(), libc::SOMAXCONN) })?;
    Ok(listener)
}
// ANCHOR_END: bind

/// Sets the descriptor limit (`None`: raise it to the hard limit), binds,
/// prints `listening on ADDR`, and serves until the process ends.
pub fn serve(addr: &str, max_fds: Option<u64>) -> io::Result<()> {
    match max_fds {
        Some(max) => limits::lower_fd_limit(max)?,
        None => limits::raise_fd_limit()?,
    };
    let listener = bind(addr)?;
    println!("listening on {}", listener.local_addr()?);
    io::stdout().flush()?;
    EchoLoop::new(listener)?.run()
}
