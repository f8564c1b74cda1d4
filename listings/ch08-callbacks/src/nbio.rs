//! Reads and writes on non-blocking sockets, the only place that knows about
//! `EAGAIN` and `EINTR`. The servers' callbacks call these.

use std::io::{self, Read, Write};
use std::net::TcpStream;

// ANCHOR: io
/// One read; `None` if it would block. A signal (`EINTR`) retries.
pub fn read(
    mut stream: &TcpStream,
    buf: &mut [u8],
) -> io::Result<Option<usize>> {
    loop {
        match stream.read(buf) {
            Ok(n) => return Ok(Some(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Writes as much of `bytes` as the socket takes now; returns how much.
pub fn write(mut stream: &TcpStream, bytes: &[u8]) -> io::Result<usize> {
    let mut written = 0;
    while written < bytes.len() {
        match stream.write(&bytes[written..]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => written += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(written)
}
// ANCHOR_END: io

/// Resets and broken pipes are the peer's business, not a server error.
pub fn peer_went_away(e: &io::Error) -> bool {
    use io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionReset | BrokenPipe | ConnectionAborted | UnexpectedEof
    )
}
