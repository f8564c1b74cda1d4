//! The work every server in this chapter does for one connection: read what
//! the client sent and write it straight back, until the client hangs up.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};

/// Bytes read per `read` call. The buffer lives on the connection thread's stack.
pub const BUF_SIZE: usize = 4096;

// ANCHOR: echo
/// Echoes everything `stream` sends back to it until the peer closes its side.
/// Returns the number of bytes echoed. Blocks the calling thread throughout.
pub fn echo<S: Read + Write>(stream: &mut S) -> io::Result<u64> {
    let mut buf = [0u8; BUF_SIZE];
    let mut echoed = 0;
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) => return Ok(echoed), // the peer closed its side
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue, // a signal: retry
            Err(e) => return Err(e),
        };
        stream.write_all(&buf[..n])?; // write_all retries EINTR itself
        echoed += n as u64;
    }
}
// ANCHOR_END: echo

// ANCHOR: serve_connection
/// Serves one connection to its end. A failing connection is this
/// connection's problem only: log it and return, so the thread ends quietly.
pub fn serve_connection(mut stream: TcpStream, peer: SocketAddr) {
    // Send each echo at once: with Nagle's algorithm a short write waits
    // until the previous one is acknowledged, which can take 40 ms.
    let _ = stream.set_nodelay(true);
    if let Err(e) = echo(&mut stream) {
        eprintln!("connection {peer}: {e}");
    }
}
// ANCHOR_END: serve_connection
