//! The accept loop both servers share, and what it does when `accept` fails.
//!
//! Linux's `accept` fails for three kinds of reasons. The process or the
//! system may be out of a resource (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`):
//! the pending connection stays in the listen backlog, so retrying at once
//! would spin, and the loop backs off instead. The connection that was being
//! accepted may have failed (`ECONNABORTED`, and the network errors that
//! accept(2) says to treat like `EAGAIN`): only that client is affected, so the
//! loop carries on. Anything else (`EBADF`, `EINVAL`, ...) means the listener
//! itself is broken, and the loop returns the error.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long the loop sleeps after `accept` reports that a resource ran out.
pub const BACKOFF: Duration = Duration::from_millis(100);

// ANCHOR: classify
/// What an `accept` error means for the accept loop.
pub enum AcceptFailure {
    /// Out of descriptors or memory: wait for connections to close.
    OutOfResources,
    /// Only the connection being accepted failed (or a signal arrived).
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

// ANCHOR: accept_loop
/// Accepts connections until `stop` is set, handing each to `on_connection`.
/// Returns an error only if the listener itself fails.
pub fn accept_loop(
    listener: &TcpListener,
    stop: &AtomicBool,
    mut on_connection: impl FnMut(TcpStream, SocketAddr),
) -> io::Result<()> {
    let mut starved_since: Option<Instant> = None;
    while !stop.load(Ordering::Acquire) {
        match listener.accept() {
            Ok((stream, peer)) => {
                if let Some(since) = starved_since.take() {
                    let waited = since.elapsed().as_secs_f64() * 1e3;
                    eprintln!("accept: recovered after {waited:.0} ms");
                }
                on_connection(stream, peer);
            }
            Err(e) => match classify(&e) {
                AcceptFailure::OutOfResources => {
                    // Log once per streak, not once per retry.
                    if starved_since.is_none() {
                        eprintln!(
                            "accept: {e}; backing off, open connections keep being served"
                        );
                        starved_since = Some(Instant::now());
                    }
                    thread::sleep(BACKOFF);
                }
                AcceptFailure::ThisConnection => continue,
                AcceptFailure::Listener => return Err(e),
            },
        }
    }
    Ok(())
}
// ANCHOR_END: accept_loop

/// An accept loop running on its own thread, for tests and demos that need a
/// server inside their own process. Dropping it stops the loop and joins it.
pub struct ServerHandle {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// Runs `serve(listener, stop)` on a new thread.
    pub fn spawn<F>(listener: TcpListener, serve: F) -> io::Result<Self>
    where
        F: FnOnce(&TcpListener, &AtomicBool) -> io::Result<()> + Send + 'static,
    {
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = Arc::clone(&stop);
        let thread =
            thread::Builder::new()
                .name("accept".into())
                .spawn(move || {
                    if let Err(e) = serve(&listener, &thread_stop) {
                        eprintln!("server on {addr} stopped: {e}");
                    }
                })?;
        Ok(ServerHandle {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        // `accept` only returns when a connection arrives: send it one.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
