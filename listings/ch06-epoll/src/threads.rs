//! Chapter 3's thread-per-connection echo server, for the comparison: one
//! OS thread with a 2 MiB stack per connection, blocking reads and writes.
//!
//! The accept loop is chapter 3's own ([`crate::accept`], copied as it is).
//! The rest is chapter 3's `server.rs` and `echo.rs`, cut down to what
//! serving needs: those files could not be copied whole, because chapter
//! 5's files of the same names live here too.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::AtomicBool;
use std::thread;

use crate::accept::accept_loop;

/// Stack size of a connection thread: std's default, as in chapter 3.
pub const STACK_SIZE: usize = 2 << 20;

/// Bytes per `read`, on the connection thread's stack, as in chapter 3.
const BUF_SIZE: usize = 4096;

/// Serves every connection on its own thread, forever.
pub fn serve(listener: &TcpListener) -> io::Result<()> {
    let never = AtomicBool::new(false);
    accept_loop(listener, &never, spawn_connection)
}

fn spawn_connection(stream: TcpStream, peer: SocketAddr) {
    let spawned = thread::Builder::new()
        .stack_size(STACK_SIZE)
        .spawn(move || serve_connection(stream, peer));
    if let Err(e) = spawned {
        eprintln!("spawn for {peer}: {e}; dropping the connection");
    }
}

fn serve_connection(mut stream: TcpStream, peer: SocketAddr) {
    let _ = stream.set_nodelay(true);
    if let Err(e) = echo(&mut stream) {
        eprintln!("connection {peer}: {e}");
    }
}

/// Echoes until the peer closes its side; blocks the calling thread.
fn echo(stream: &mut TcpStream) -> io::Result<()> {
    let mut buf = [0u8; BUF_SIZE];
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        stream.write_all(&buf[..n])?;
    }
}
