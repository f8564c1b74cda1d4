//! The echo server: one green thread per connection, written as if every
//! call blocked.

use std::io::{self, Read, Write};
use std::net::{self, SocketAddr};
use std::time::{Duration, Instant};

use crate::net::{TcpListener, TcpStream};
use crate::park::sleep;
use crate::spawn::Builder;

/// How long the accept loop parks after `accept` reports that a resource
/// ran out.
pub const BACKOFF: Duration = Duration::from_millis(10);

// ANCHOR: classify
/// What an `accept` error means for the accept loop (the same reading as
/// chapter 3's, from accept(2)).
pub enum AcceptFailure {
    /// Out of descriptors or memory: the connection stays queued, so wait
    /// for others to close rather than spin.
    OutOfResources,
    /// Only the connection being accepted failed.
    ThisConnection,
    /// The listening socket itself is unusable.
    Listener,
}

pub fn classify(e: &io::Error) -> AcceptFailure {
    match e.raw_os_error() {
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM) => {
            AcceptFailure::OutOfResources
        }
        Some(
            libc::EINTR
            | libc::ECONNABORTED
            | libc::EPERM
            | libc::EPROTO
            | libc::ENETDOWN
            | libc::ENOPROTOOPT
            | libc::EHOSTDOWN
            | libc::ENONET
            | libc::EHOSTUNREACH
            | libc::EOPNOTSUPP
            | libc::ENETUNREACH,
        ) => AcceptFailure::ThisConnection,
        _ => AcceptFailure::Listener,
    }
}
// ANCHOR_END: classify

// ANCHOR: serve
/// Accepts connections forever, each served by its own green thread. Only a
/// failure of the listening socket itself ends the loop.
pub fn serve(listener: &TcpListener) -> io::Result<()> {
    serve_from(|| listener.accept_std(), TcpStream::from_std)
}

/// The accept loop, given where connections come from and how each becomes
/// a green socket: the seam through which tests make either fail.
pub fn serve_from(
    mut accept: impl FnMut() -> io::Result<(net::TcpStream, SocketAddr)>,
    mut register: impl FnMut(net::TcpStream) -> io::Result<TcpStream>,
) -> io::Result<()> {
    let mut starved_since: Option<Instant> = None;
    loop {
        let stream = match accept() {
            Ok((stream, _peer)) => stream,
            Err(e) => match classify(&e) {
                AcceptFailure::OutOfResources => {
                    if starved_since.is_none() {
                        eprintln!("accept: {e}; backing off");
                        starved_since = Some(Instant::now());
                    }
                    sleep(BACKOFF); // parks the accept loop only
                    continue;
                }
                AcceptFailure::ThisConnection => continue,
                AcceptFailure::Listener => return Err(e),
            },
        };
        if let Some(since) = starved_since.take() {
            eprintln!("accept: recovered after {:?}", since.elapsed());
        }
        // From here on, a failure costs this connection only: a refused
        // registration (`ENOSPC` once `max_user_watches` is reached,
        // `ENOMEM`) or a stack that cannot be mapped closes it.
        let started = register(stream)
            .and_then(|stream| Builder::new().spawn(move || handle(stream)));
        if let Err(e) = started {
            eprintln!("connection dropped: {e}");
        }
    }
}

fn handle(stream: TcpStream) {
    // Send each echo at once, as chapter 3 does: with Nagle's algorithm a
    // small write may wait for the previous one to be acknowledged.
    let _ = stream.set_nodelay(true);
    if let Err(e) = echo(&stream)
        && !peer_went_away(&e)
    {
        eprintln!("connection failed: {e}");
    }
}
// ANCHOR_END: serve

// ANCHOR: echo
/// Echoes until the peer closes its side. Reads like blocking code; every
/// `read` or `write` that would block parks this green thread only.
pub fn echo(mut stream: &TcpStream) -> io::Result<()> {
    let mut buf = [0; 4096];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        stream.write_all(&buf[..n])?;
    }
}
// ANCHOR_END: echo

/// Resets and broken pipes are the client's business, not a server error.
pub fn peer_went_away(e: &io::Error) -> bool {
    use io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionReset | BrokenPipe | ConnectionAborted | UnexpectedEof
    )
}
