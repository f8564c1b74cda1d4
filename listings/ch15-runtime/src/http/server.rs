//! The async driver: moves bytes between a connection and its [`Conn`],
//! keeps the deadlines, closes politely, and caps the connections.
//!
//! Everything HTTP lives in the state machine; what is left here is what
//! needs a socket or a clock, and it is generic over both: the stream is
//! any [`AsyncRead`] + [`AsyncWrite`], and the timer is a function
//! `sleep(Duration) -> impl Future<Output = ()>`, such as the runtime's
//! `time::sleep`.
//!
//! # Deadlines
//!
//! Each read is raced against a sleep until the [`Step::Read`] deadline
//! ([`timeout`]); each write against [`Limits::write_timeout`]. The sleep
//! is made only if the read or write cannot complete at once, so the
//! common case, data already waiting or a response that fits the socket's
//! buffer, registers no timer at all.
//!
//! # A lingering close
//!
//! When the server ends a connection (after an error, `Connection: close`,
//! HTTP/1.0 or a timeout) the client may have sent bytes we have not read:
//! the rest of a refused body, pipelined requests after a `close`. If the
//! server then simply closes the socket, its kernel holds input that no one
//! will ever read, and RFC 1122 §4.2.2.13 tells it to say so with a reset
//! (RST) instead of an orderly FIN; Linux's `tcp_close` does. The reset
//! throws away what the server's socket has not sent yet, and since RFC 793
//! tells a TCP that receives a reset to flush its queues, some systems also
//! drop what the client's socket holds but its program has not read (Linux
//! keeps that). Either way the client gets "connection reset by peer"
//! where the `400` or `413` that explained what went wrong should be.
//! `src/bin/http-linger.rs` shows it on loopback: after a plain close with
//! 990 bytes unread, the client reads only what had reached its socket,
//! then the reset; after reading those bytes first, or after a lingering
//! close, it reads the whole response, then the end of input.
//!
//! RFC 9112 §9.6 describes the cure, and Apache's `lingering_close` is its
//! classic implementation: first shut down only the writing half, so a FIN
//! follows the last response; then keep reading, and discarding, until the
//! client closes too, or [`Limits::linger`] passes (or
//! [`Limits::max_body`] bytes have been discarded: a client that keeps
//! sending gets no more of our time); then close. By then the client has
//! read the response, or had ample time to.
//!
//! # A cap on connections
//!
//! [`serve`] holds at most [`Limits::max_connections`] connections: it
//! takes a [`Permit`](super::permits::Permit) before each `accept`, and a
//! connection's task gives it back when it ends. At the cap the loop stops
//! accepting: new connections complete their handshake in the kernel and
//! wait in the listening socket's accept queue (its backlog), costing this
//! process nothing, and are served in order as slots free; if the queue
//! fills, the kernel drops further handshakes and clients retry them. The
//! alternative, accepting and answering `503 Service Unavailable`, spends
//! what the cap exists to save: a descriptor, a task and a buffer per
//! refused client, and a lingering close for each (the `503`, written
//! before reading the request, would otherwise be lost to a reset), at
//! the moment the server is busiest.
//!
//! # Errors
//!
//! A connection's I/O error (a reset, a timeout writing) ends that
//! connection and nothing else. An `accept` error that concerns one client
//! (`ECONNABORTED` and the network errors Linux's accept(2) passes on) is
//! skipped; running out of descriptors or memory (`EMFILE`, `ENFILE`,
//! `ENOBUFS`, `ENOMEM`) pauses accepting for [`ACCEPT_BACKOFF`]; any other
//! error is a broken listener, and `serve` returns it.

use std::future::{Future, poll_fn};
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use super::conn::{Conn, Step};
use super::io_traits::{
    AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, Listener,
};
use super::limits::Limits;
use super::permits::Permits;
use super::request::Request;
use super::response::Response;

/// How long `serve` pauses accepting when the process is out of
/// descriptors or memory.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// A spawned connection's future, as [`serve`] hands it to `spawn`.
pub type Task = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

// ANCHOR: serve_connection
/// Serves HTTP on one connection until it closes.
pub async fn serve_connection<S, H, Z, T>(
    mut stream: S,
    handler: &H,
    limits: &Limits,
    sleep: &Z,
) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
    H: Fn(&Request<'_>) -> Response,
    Z: Fn(Duration) -> T,
    T: Future<Output = ()>,
{
    let mut conn = Conn::new(limits.clone());
    loop {
        match conn.step(Instant::now()) {
            Step::Request(request) => {
                let response = handler(&request);
                conn.respond(response);
            }
            Step::Write => {
                write(&mut stream, conn.output(), limits, sleep).await?;
                conn.written();
            }
            Step::Read(deadline) => {
                let wait = deadline.saturating_duration_since(Instant::now());
                let read = stream.read(conn.read_buf());
                match timeout(|| sleep(wait), read).await {
                    None => conn.timed_out(),
                    Some(Ok(0)) => conn.eof(),
                    Some(Ok(n)) => conn.filled(n),
                    Some(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                    Some(Err(e)) => return Err(e),
                }
            }
            Step::Close => {
                write(&mut stream, conn.output(), limits, sleep).await?;
                linger(&mut stream, conn.read_buf(), limits, sleep).await;
                return Ok(());
            }
        }
    }
}
// ANCHOR_END: serve_connection

/// Writes all of `bytes`, within the write timeout.
async fn write<S, Z, T>(
    stream: &mut S,
    bytes: &[u8],
    limits: &Limits,
    sleep: &Z,
) -> io::Result<()>
where
    S: AsyncWrite + Unpin,
    Z: Fn(Duration) -> T,
    T: Future<Output = ()>,
{
    if bytes.is_empty() {
        return Ok(());
    }
    let wait = limits.write_timeout;
    match timeout(|| sleep(wait), stream.write_all(bytes)).await {
        Some(result) => result,
        None => Err(io::ErrorKind::TimedOut.into()),
    }
}

// ANCHOR: linger
/// Closes the connection so that the client can read our last response:
/// FIN after it, then read and discard until the client closes too.
async fn linger<S, Z, T>(
    stream: &mut S,
    buf: &mut [u8],
    limits: &Limits,
    sleep: &Z,
) where
    S: AsyncRead + AsyncWrite + Unpin,
    Z: Fn(Duration) -> T,
    T: Future<Output = ()>,
{
    let wait = limits.write_timeout;
    if !matches!(
        timeout(|| sleep(wait), stream.shutdown()).await,
        Some(Ok(()))
    ) {
        return; // The client is gone: nothing to wait for.
    }
    let until = Instant::now() + limits.linger;
    let mut discarded = 0;
    while discarded <= limits.max_body {
        let wait = until.saturating_duration_since(Instant::now());
        match timeout(|| sleep(wait), stream.read(buf)).await {
            Some(Ok(n)) if n > 0 => discarded += n,
            Some(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
            _ => return, // the client closed, failed, or took too long
        }
    }
}
// ANCHOR_END: linger

// ANCHOR: timeout
/// `work`'s output, or `None` if the sleep that `make_sleep` makes ends
/// first. The sleep is made only if `work` is not ready at once.
pub async fn timeout<W, Z, T>(make_sleep: Z, work: W) -> Option<W::Output>
where
    W: Future,
    Z: FnOnce() -> T,
    T: Future<Output = ()>,
{
    let mut work = pin!(work);
    let mut sleep = pin!(None);
    let mut make_sleep = Some(make_sleep);
    poll_fn(|cx| {
        if let Poll::Ready(output) = work.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        if let Some(make) = make_sleep.take() {
            sleep.set(Some(make()));
        }
        match sleep.as_mut().as_pin_mut().map(|sleep| sleep.poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(None),
            _ => Poll::Pending,
        }
    })
    .await
}
// ANCHOR_END: timeout

// ANCHOR: serve
/// Accepts connections from `listener` forever, each served by a task
/// given to `spawn`, at most [`Limits::max_connections`] at once.
pub async fn serve<L, H, Z, T>(
    listener: L,
    handler: Arc<H>,
    limits: Limits,
    sleep: Z,
    spawn: impl Fn(Task),
) -> io::Result<()>
where
    L: Listener,
    L::Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    H: Fn(&Request<'_>) -> Response + Send + Sync + 'static,
    Z: Fn(Duration) -> T + Clone + Send + Sync + 'static,
    T: Future<Output = ()> + Send,
{
    let permits = Permits::new(limits.max_connections);
    let limits = Arc::new(limits);
    loop {
        // At the cap, wait here: connections queue in the kernel.
        let permit = permits.acquire().await;
        let stream = match poll_fn(|cx| listener.poll_accept(cx)).await {
            Ok(stream) => stream,
            Err(e) => match accept_error(&e) {
                AcceptError::Skip => continue,
                AcceptError::Pause => {
                    sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
                AcceptError::Fatal => return Err(e),
            },
        };
        let (handler, limits, sleep) =
            (Arc::clone(&handler), Arc::clone(&limits), sleep.clone());
        spawn(Box::pin(async move {
            // An error ends this connection only; the permit goes back
            // when the task ends, however it ends.
            let _permit = permit;
            let _ = serve_connection(stream, &*handler, &limits, &sleep).await;
        }));
    }
}
// ANCHOR_END: serve

/// What an `accept` error means for the accept loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AcceptError {
    /// One client's trouble: accept the next.
    Skip,
    /// The process is out of descriptors or memory: wait, then retry.
    Pause,
    /// The listener is broken.
    Fatal,
}

/// Sorts an `accept` error (see accept(2) on Linux).
pub fn accept_error(e: &io::Error) -> AcceptError {
    let skip = [
        libc::ECONNABORTED,
        libc::EINTR,
        libc::EAGAIN,
        libc::EPROTO,
        libc::EPERM,
        libc::ENETDOWN,
        libc::ENETUNREACH,
        libc::ENOPROTOOPT,
        libc::EHOSTDOWN,
        libc::EHOSTUNREACH,
        libc::EOPNOTSUPP,
        #[cfg(target_os = "linux")]
        libc::ENONET,
    ];
    let pause = [libc::EMFILE, libc::ENFILE, libc::ENOBUFS, libc::ENOMEM];
    match e.raw_os_error() {
        Some(code) if skip.contains(&code) => AcceptError::Skip,
        Some(code) if pause.contains(&code) => AcceptError::Pause,
        _ => match e.kind() {
            io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
            | io::ErrorKind::ConnectionAborted => AcceptError::Skip,
            _ => AcceptError::Fatal,
        },
    }
}
