//! The echo server: one green thread per connection, written as if every
//! call blocked.

use std::io::{self, Read, Write};
use std::time::Duration;

use crate::net::{TcpListener, TcpStream};
use crate::spawn::Builder;
use crate::timer::sleep;

// ANCHOR: serve
/// Accepts connections forever, each served by its own green thread. Only a
/// failure of the listening socket itself ends the loop.
pub fn serve(listener: &TcpListener) -> io::Result<()> {
    loop {
        match listener.accept() {
            Ok((stream, _peer)) => {
                // Out of memory for a stack: drop (close) this connection only.
                if let Err(e) = Builder::new().spawn(move || handle(stream)) {
                    eprintln!("cannot start a green thread: {e}");
                }
            }
            Err(e) if out_of_descriptors(&e) => {
                // The pending connection stays queued; retrying at once would
                // spin, so let the other threads run (and close sockets) first.
                sleep(Duration::from_millis(10));
            }
            // The peer gave up before we accepted (ECONNABORTED) and friends.
            Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => {}
            Err(e) => return Err(e),
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

fn out_of_descriptors(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}

/// Resets and broken pipes are the client's business, not a server error.
fn peer_went_away(e: &io::Error) -> bool {
    use io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionReset | BrokenPipe | ConnectionAborted | UnexpectedEof
    )
}
