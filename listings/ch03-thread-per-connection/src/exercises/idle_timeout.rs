//! Exercise 2: a connection that sends nothing for a while is closed, so an
//! idle client cannot hold a pool worker hostage for ever.

use std::io::{self, ErrorKind};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::accept::accept_loop;
use crate::echo::echo;
use crate::pool::ThreadPool;

// ANCHOR: idle_timeout
/// Echoes like [`serve_connection`](crate::echo::serve_connection), but gives
/// up on a client that sends nothing (or reads nothing) for `idle`.
pub fn serve_with_idle_timeout(mut stream: TcpStream, idle: Duration) {
    let Ok(peer) = stream.peer_addr() else { return };
    // A blocking `read` (or `write`) now fails with `WouldBlock` after `idle`.
    let timeouts = stream
        .set_read_timeout(Some(idle))
        .and_then(|()| stream.set_write_timeout(Some(idle)));
    match timeouts.and_then(|()| echo(&mut stream)) {
        Ok(_) => {}
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::WouldBlock | ErrorKind::TimedOut
            ) =>
        {
            eprintln!("connection {peer}: idle too long, closing it");
        }
        Err(e) => eprintln!("connection {peer}: {e}"),
    }
}
// ANCHOR_END: idle_timeout

/// Serves with a pool whose workers drop connections idle for `idle`.
pub fn serve(
    listener: &TcpListener,
    stop: &AtomicBool,
    workers: usize,
    idle: Duration,
) -> io::Result<()> {
    let pool = ThreadPool::new(workers, move |stream| {
        serve_with_idle_timeout(stream, idle)
    })?;
    accept_loop(listener, stop, |stream, _peer| pool.execute(stream))
}
