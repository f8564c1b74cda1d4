//! The echo server with a deadline on every read: a connection that sends
//! nothing for `idle` is closed. One timer per connection, nearly all of
//! them cancelled (a read that gets its data drops its timeout) and set
//! again: the load a server puts on its timer structure.

use std::io;
use std::time::Duration;

use crate::io::{AsyncReadExt, AsyncWriteExt};
use crate::net::{TcpListener, TcpStream};
use crate::time;

// ANCHOR: serve
/// Serves until the listener fails; closes connections idle for `idle`.
pub async fn serve(listener: TcpListener, idle: Duration) -> io::Result<()> {
    loop {
        let (socket, _) = listener.accept().await?;
        crate::spawn(async move {
            // Every way a connection ends is its own business.
            let _ = handle(socket, idle).await;
        });
    }
}

/// Echoes until the peer closes, fails, or says nothing for `idle`.
pub async fn handle(mut socket: TcpStream, idle: Duration) -> io::Result<()> {
    let mut buf = [0; 1024];
    loop {
        let n = match time::timeout(idle, socket.read(&mut buf)).await {
            Ok(Ok(0)) => return Ok(()), // closed by the peer
            Ok(Ok(n)) => n,
            Ok(Err(e)) => return Err(e),
            Err(elapsed) => return Err(elapsed.into()), // idle too long
        };
        socket.write_all(&buf[..n]).await?;
    }
}
// ANCHOR_END: serve
