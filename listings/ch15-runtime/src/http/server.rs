//! The async driver: moves bytes between a connection and its [`Conn`],
//! keeps the deadlines, closes politely, and caps the connections.
//!
//! Everything HTTP lives in the state machine; what is left here is what
//! needs a socket or a clock: the runtime's [`TcpListener`], any
//! [`AsyncRead`] + [`AsyncWrite`] stream (a
//! [`TcpStream`](crate::net::TcpStream), or a test's scripted one),
//! [`fn@time::sleep`] and [`spawn`]. It is the server a reader would write on
//! tokio, with `use ch15_runtime as tokio;`.
//!
//! # Deadlines
//!
//! Each read is raced against a sleep until the [`Step::Read`] deadline;
//! each write against [`Limits::write_timeout`] ([`timeout`]). The sleep
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
//! connection and its task, and nothing else. `accept` errors are sorted
//! by [`TcpListener::accept`] itself (chapter 6's triage, [`crate::accept`]):
//! one client's trouble (`ECONNABORTED` and the network errors Linux's
//! accept(2) passes on) is skipped; running out of descriptors or memory
//! (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`) pauses accepting for
//! [`accept::BACKOFF`](crate::accept::BACKOFF) while the open connections
//! go on being served; only a broken listener reaches `serve`, which
//! returns its error.
//!
//! # Stopping
//!
//! `serve` runs until the future `stop` it is given completes (in the
//! `http-server` binary, the first SIGINT or SIGTERM: see
//! [`crate::signal`]). Then it stops gracefully, in three steps:
//!
//! 1. it closes the listening socket: new clients are refused;
//! 2. it tells every connection to drain ([`Shutdown`]): one waiting idle
//!    between requests closes at once, one in the middle of a request
//!    finishes it, writes the response and closes;
//! 3. it waits for them, at most [`Limits::drain_timeout`], then tells the
//!    rest to stop where they are, and returns what happened ([`Stopped`]).
//!
//! Closing an idle keep-alive connection needs no response (RFC 9112
//! §9.5 lets a server close one at any time; clients retry a request that
//! crossed the close, if it was idempotent).

use std::future::{Future, poll_fn};
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use super::conn::{Conn, Step};
use super::limits::Limits;
use super::permits::Permits;
use super::request::Request;
use super::response::Response;
use super::shutdown::{Shutdown, Stage};
use crate::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use crate::net::TcpListener;
use crate::{spawn, time};

/// After the drain deadline, how long [`serve`] waits for the connections
/// it told to stop to end (each does at its next poll).
pub const ABORT_WAIT: Duration = Duration::from_secs(1);

// ANCHOR: serve_connection
/// Serves HTTP on one connection until it closes, or until `shutdown`
/// drains the server and the connection has no request in hand.
pub async fn serve_connection<S, H>(
    mut stream: S,
    handler: &H,
    limits: &Limits,
    shutdown: &Shutdown,
) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
    H: Fn(&Request<'_>) -> Response,
{
    let mut conn = Conn::new(limits.clone());
    loop {
        match conn.step(Instant::now()) {
            Step::Request(request) => {
                let response = handler(&request);
                conn.respond(response);
            }
            Step::Write => {
                write(&mut stream, conn.output(), limits).await?;
                conn.written();
            }
            Step::Read(deadline) => {
                // Between requests, a draining server closes at once;
                // in the middle of one, it finishes it.
                let idle = conn.is_idle();
                let drain = idle.then(|| shutdown.reached(Stage::Draining));
                let read = stream.read(conn.read_buf());
                match wait(read, deadline, drain).await {
                    Waited::Done(Ok(0)) => conn.eof(),
                    Waited::Done(Ok(n)) => conn.filled(n),
                    Waited::Done(Err(e))
                        if e.kind() == io::ErrorKind::Interrupted => {}
                    Waited::Done(Err(e)) => return Err(e),
                    Waited::TimedOut => conn.timed_out(),
                    Waited::Draining => break,
                }
            }
            Step::Close => break,
        }
    }
    write(&mut stream, conn.output(), limits).await?;
    linger(&mut stream, conn.read_buf(), limits).await;
    Ok(())
}
// ANCHOR_END: serve_connection

/// Writes all of `bytes`, within the write timeout.
async fn write<S>(
    stream: &mut S,
    bytes: &[u8],
    limits: &Limits,
) -> io::Result<()>
where
    S: AsyncWrite + Unpin,
{
    if bytes.is_empty() {
        return Ok(());
    }
    match timeout(limits.write_timeout, stream.write_all(bytes)).await {
        Some(result) => result,
        None => Err(io::ErrorKind::TimedOut.into()),
    }
}

// ANCHOR: linger
/// Closes the connection so that the client can read our last response:
/// FIN after it, then read and discard until the client closes too.
async fn linger<S>(stream: &mut S, buf: &mut [u8], limits: &Limits)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let shutdown = timeout(limits.write_timeout, stream.shutdown()).await;
    if !matches!(shutdown, Some(Ok(()))) {
        return; // The client is gone: nothing to wait for.
    }
    let until = Instant::now() + limits.linger;
    let mut discarded = 0;
    while discarded <= limits.max_body {
        match wait(stream.read(buf), until, None).await {
            Waited::Done(Ok(n)) if n > 0 => discarded += n,
            Waited::Done(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
            _ => return, // the client closed, failed, or took too long
        }
    }
}
// ANCHOR_END: linger

// ANCHOR: timeout
/// How a [`wait`] ended.
enum Waited<T> {
    Done(T),
    TimedOut,
    Draining,
}

/// Runs `work` until it is done, `deadline` passes, or `drain` (if any)
/// is ready. The timer is registered only if `work` is not ready at once,
/// so data already waiting costs no timer.
async fn wait<W: Future>(
    work: W,
    deadline: Instant,
    drain: Option<super::shutdown::Reached<'_>>,
) -> Waited<W::Output> {
    let mut work = pin!(work);
    let mut sleep = pin!(time::sleep_until(deadline));
    let mut drain = drain;
    poll_fn(|cx| {
        if let Poll::Ready(output) = work.as_mut().poll(cx) {
            return Poll::Ready(Waited::Done(output));
        }
        if let Some(drain) = &mut drain
            && Pin::new(drain).poll(cx).is_ready()
        {
            return Poll::Ready(Waited::Draining);
        }
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Waited::TimedOut),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

/// `work`'s output, or `None` if `duration` passes first.
pub async fn timeout<W: Future>(
    duration: Duration,
    work: W,
) -> Option<W::Output> {
    match wait(work, Instant::now() + duration, None).await {
        Waited::Done(output) => Some(output),
        Waited::TimedOut | Waited::Draining => None,
    }
}
// ANCHOR_END: timeout

/// What a stopped [`serve`] did with the connections it had open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stopped {
    /// Connections that ended by themselves while the server drained.
    pub finished: usize,
    /// Connections still open at the drain deadline, and dropped.
    pub dropped: usize,
}

// ANCHOR: serve
/// Accepts connections from `listener` until `stop` completes, each served
/// by a task of its own, at most [`Limits::max_connections`] at once; then
/// stops gracefully (see the module's documentation). A listener that
/// breaks stops it the same way, and its error is returned.
pub async fn serve<H>(
    listener: TcpListener,
    handler: Arc<H>,
    limits: Limits,
    stop: impl Future<Output = ()>,
) -> io::Result<Stopped>
where
    H: Fn(&Request<'_>) -> Response + Send + Sync + 'static,
{
    let permits = Permits::new(limits.max_connections);
    let shutdown = Shutdown::new();
    let limits = Arc::new(limits);
    let mut stop = pin!(stop);
    let mut failed = None;
    loop {
        let next = async {
            // At the cap, wait here: connections queue in the kernel.
            let permit = permits.acquire().await;
            (permit, listener.accept().await)
        };
        // `stop` first: under a flood, `accept` is always ready.
        let (permit, accepted) = match first(stop.as_mut(), next).await {
            Either::Left(()) => break,
            Either::Right(next) => next,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(e) => {
                // Only a broken listener gets here (see `accept`).
                failed = Some(e);
                break;
            }
        };
        let handler = Arc::clone(&handler);
        let limits = Arc::clone(&limits);
        let shutdown = Arc::clone(&shutdown);
        spawn(async move {
            // The permit goes back when the task ends, however it ends.
            let _permit = permit;
            let serve = serve_connection(stream, &*handler, &limits, &shutdown);
            let abort = shutdown.reached(Stage::Aborting);
            // An error ends this connection only.
            let _ = first(abort, serve).await;
        });
    }
    drop(listener); // New clients are refused from here on.
    let stopped = drain(&permits, &shutdown, limits.drain_timeout).await;
    match failed {
        Some(e) => Err(e),
        None => Ok(stopped),
    }
}
// ANCHOR_END: serve

// ANCHOR: drain
/// Tells the connections to finish, waits for them up to `grace`, then
/// tells the rest to stop.
async fn drain(
    permits: &Arc<Permits>,
    shutdown: &Shutdown,
    grace: Duration,
) -> Stopped {
    let open = permits.held();
    shutdown.advance(Stage::Draining);
    if timeout(grace, permits.all_back()).await.is_some() {
        return Stopped {
            finished: open,
            dropped: 0,
        };
    }
    let dropped = permits.held();
    shutdown.advance(Stage::Aborting);
    let _ = timeout(ABORT_WAIT, permits.all_back()).await;
    Stopped {
        finished: open.saturating_sub(dropped),
        dropped,
    }
}
// ANCHOR_END: drain

/// Which of two futures finished first.
pub enum Either<A, B> {
    Left(A),
    Right(B),
}

/// Polls `left`, then `right`, until one is ready; drops the other.
pub async fn first<A: Future, B: Future>(
    left: A,
    right: B,
) -> Either<A::Output, B::Output> {
    let (mut left, mut right) = (pin!(left), pin!(right));
    poll_fn(|cx| {
        if let Poll::Ready(output) = left.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(output));
        }
        if let Poll::Ready(output) = right.as_mut().poll(cx) {
            return Poll::Ready(Either::Right(output));
        }
        Poll::Pending
    })
    .await
}
