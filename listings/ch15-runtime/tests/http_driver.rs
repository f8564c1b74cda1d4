//! The async driver against a scripted stream, on the real runtime and its
//! timers: what it writes, when it shuts down and drains, which deadlines
//! it keeps, and what a stopping server does with a connection. (The
//! accept loop is tested over real sockets, in `tests/http_server.rs`.)
//!
//! A script's `Stall` is a client that sends nothing and never wakes the
//! task: only the driver's own timer can end that wait. The limits are
//! shrunk to tens of milliseconds so the timeouts can be waited out.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use ch15_runtime::Runtime;
use ch15_runtime::accept::{self, AcceptFailure};
use ch15_runtime::http::server::serve_connection;
use ch15_runtime::http::{Limits, Request, Shutdown, Stage, demo};
use ch15_runtime::io::{AsyncRead, AsyncWrite};

const HELLO: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\
Content-Type: text/plain\r\n\r\nHello, world!";
const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n";

/// Milliseconds, or a hundred times as many under Miri, whose clock runs
/// with the instructions it interprets (see `tests/timer.rs`).
fn ms(n: u64) -> Duration {
    Duration::from_millis(if cfg!(miri) { 100 * n } else { n })
}

/// Limits whose timeouts a test can wait out.
fn limits() -> Limits {
    Limits {
        header_timeout: ms(100),
        body_timeout: ms(100),
        write_timeout: ms(100),
        linger: ms(50),
        ..Limits::default()
    }
}

/// What the client does at its next read.
enum Read {
    Data(Vec<u8>),
    /// Sends nothing, ever: only a timer ends the wait.
    Stall,
    Eof,
    Error(io::ErrorKind),
}

#[derive(Default)]
struct Script {
    reads: VecDeque<Read>,
    /// Writes never complete.
    write_stalls: bool,
    /// At most this many bytes per write (0: no limit).
    write_limit: usize,
    written: Vec<u8>,
    /// What happened, in order: `read N`, `write N`, `shutdown`.
    log: Vec<String>,
}

/// A connection played by a script.
#[derive(Clone)]
struct Stream(Arc<Mutex<Script>>);

impl Stream {
    fn new(reads: Vec<Read>) -> Stream {
        let script = Script {
            reads: reads.into(),
            ..Script::default()
        };
        Stream(Arc::new(Mutex::new(script)))
    }

    fn written(&self) -> Vec<u8> {
        self.0.lock().unwrap().written.clone()
    }

    fn log(&self) -> Vec<String> {
        self.0.lock().unwrap().log.clone()
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut script = self.0.lock().unwrap();
        let n = match script.reads.front_mut() {
            None | Some(Read::Stall) => return Poll::Pending,
            Some(Read::Eof) => 0,
            Some(Read::Error(kind)) => {
                let kind = *kind;
                script.reads.pop_front();
                return Poll::Ready(Err(kind.into()));
            }
            Some(Read::Data(data)) => {
                let n = data.len().min(buf.len());
                buf[..n].copy_from_slice(&data[..n]);
                data.drain(..n);
                if data.is_empty() {
                    script.reads.pop_front();
                }
                n
            }
        };
        script.log.push(format!("read {n}"));
        Poll::Ready(Ok(n))
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut script = self.0.lock().unwrap();
        if script.write_stalls {
            return Poll::Pending;
        }
        let n = match script.write_limit {
            0 => buf.len(),
            limit => buf.len().min(limit),
        };
        script.written.extend_from_slice(&buf[..n]);
        script.log.push(format!("write {n}"));
        Poll::Ready(Ok(n))
    }

    fn poll_flush(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        self.0.lock().unwrap().log.push("shutdown".into());
        Poll::Ready(Ok(()))
    }
}

/// Limits whose header timeout no test waits out: a test that ends soon
/// ended for another reason.
fn patient() -> Limits {
    Limits {
        header_timeout: ms(60_000),
        ..limits()
    }
}

/// Serves `stream` with the demo router on a runtime, and returns how
/// long it took.
fn serve_with(
    stream: &Stream,
    limits: &Limits,
    shutdown: &Shutdown,
) -> (io::Result<()>, Duration) {
    let router = demo();
    let handler = |r: &Request<'_>| router.handle(r);
    let runtime = Runtime::new().unwrap();
    let start = Instant::now();
    let result = runtime.block_on(serve_connection(
        stream.clone(),
        &handler,
        limits,
        shutdown,
    ));
    (result, start.elapsed())
}

fn serve_one(stream: &Stream) -> io::Result<()> {
    serve_with(stream, &limits(), &Shutdown::new()).0
}

#[test]
fn hello_world_then_an_orderly_close() {
    let stream = Stream::new(vec![Read::Data(GET.to_vec()), Read::Eof]);
    let (result, took) = serve_with(&stream, &limits(), &Shutdown::new());
    result.unwrap();
    assert_eq!(stream.written(), HELLO);
    let (read, write) = (
        format!("read {}", GET.len()),
        format!("write {}", HELLO.len()),
    );
    assert_eq!(
        stream.log(),
        [&read, &write, "read 0", "shutdown", "read 0"]
    );
    assert!(
        took < limits().header_timeout,
        "no read had to wait: {took:?}"
    );
}

#[test]
fn pipelined_requests_are_answered_with_one_write() {
    let stream = Stream::new(vec![Read::Data(GET.repeat(3)), Read::Eof]);
    serve_one(&stream).unwrap();
    assert_eq!(stream.written(), HELLO.repeat(3));
    let writes = stream
        .log()
        .iter()
        .filter(|e| e.starts_with("write"))
        .count();
    assert_eq!(writes, 1);
}

#[test]
fn a_request_in_pieces_and_partial_writes() {
    let pieces = GET.chunks(5).map(|c| Read::Data(c.to_vec()));
    let stream = Stream::new(pieces.chain([Read::Eof]).collect());
    stream.0.lock().unwrap().write_limit = 7;
    serve_one(&stream).unwrap();
    assert_eq!(stream.written(), HELLO);
}

#[test]
fn interrupted_reads_are_retried_and_resets_end_the_connection() {
    let reads = vec![
        Read::Error(io::ErrorKind::Interrupted),
        Read::Data(GET.to_vec()),
        Read::Error(io::ErrorKind::ConnectionReset),
    ];
    let stream = Stream::new(reads);
    let error = serve_one(&stream).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::ConnectionReset);
    assert_eq!(stream.written(), HELLO);
}

#[test]
fn a_slow_head_gets_408_then_a_lingering_close() {
    let stream = Stream::new(vec![
        Read::Data(b"GET / HTTP/1.1\r\n".to_vec()),
        Read::Stall,
    ]);
    let limits = limits();
    let (result, took) = serve_with(&stream, &limits, &Shutdown::new());
    result.unwrap();
    assert!(
        stream
            .written()
            .starts_with(b"HTTP/1.1 408 Request Timeout\r\n")
    );
    assert_eq!(stream.log().last().unwrap(), "shutdown");
    // The header deadline, then the linger, and not much more.
    let least = limits.header_timeout + limits.linger;
    assert!(took >= least, "{took:?}");
    assert!(took < least + limits.header_timeout, "{took:?}");
}

#[test]
fn an_idle_connection_is_closed_without_a_response() {
    let stream = Stream::new(vec![Read::Stall]);
    serve_one(&stream).unwrap();
    assert!(stream.written().is_empty());
    assert_eq!(stream.log(), ["shutdown"]);
}

#[test]
fn after_an_error_unread_input_is_drained_before_closing() {
    let refused =
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 9999999\r\n\r\n";
    let reads = vec![
        Read::Data(refused.to_vec()),
        Read::Data(vec![b'x'; 100_000]),
        Read::Data(vec![b'y'; 100_000]),
        Read::Eof,
    ];
    let stream = Stream::new(reads);
    serve_one(&stream).unwrap();
    assert!(
        stream
            .written()
            .starts_with(b"HTTP/1.1 413 Content Too Large\r\n")
    );
    let log = stream.log();
    let shutdown = log.iter().position(|e| e == "shutdown").unwrap();
    assert!(log[..shutdown].iter().any(|e| e.starts_with("write")));
    // Everything the client sent is read after the shutdown, up to its EOF.
    let drained: usize = log[shutdown..]
        .iter()
        .filter_map(|e| e.strip_prefix("read ")?.parse::<usize>().ok())
        .sum();
    assert_eq!(drained, 200_000);
    assert_eq!(log.last().unwrap(), "read 0");
}

#[test]
fn a_client_that_never_reads_is_dropped_after_the_write_timeout() {
    let stream = Stream::new(vec![Read::Data(GET.to_vec()), Read::Stall]);
    stream.0.lock().unwrap().write_stalls = true;
    let limits = limits();
    let (result, took) = serve_with(&stream, &limits, &Shutdown::new());
    assert_eq!(result.unwrap_err().kind(), io::ErrorKind::TimedOut);
    assert!(took >= limits.write_timeout, "{took:?}");
}

#[test]
fn continue_is_written_before_the_body_is_read() {
    let head = b"POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
    let reads = vec![
        Read::Data(head.to_vec()),
        Read::Data(b"hi".to_vec()),
        Read::Eof,
    ];
    let stream = Stream::new(reads);
    serve_one(&stream).unwrap();
    let written = stream.written();
    assert!(
        written
            .starts_with(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")
    );
    assert!(written.ends_with(b"\r\n\r\nhi"));
    let log = stream.log();
    assert_eq!(
        log[..3],
        [
            format!("read {}", head.len()),
            "write 25".into(),
            "read 2".into()
        ]
    );
}

#[test]
fn a_draining_server_closes_an_idle_connection_without_a_word() {
    let stream = Stream::new(vec![Read::Stall]);
    let shutdown = Shutdown::new();
    shutdown.advance(Stage::Draining);
    let (result, took) = serve_with(&stream, &patient(), &shutdown);
    result.unwrap();
    assert!(stream.written().is_empty());
    assert_eq!(stream.log(), ["shutdown"]);
    assert!(took < ms(10_000), "closed at once: {took:?}");
}

#[test]
fn a_draining_server_finishes_the_request_in_hand_then_closes() {
    // Half a request, a wait, the other half, then a keep-alive client
    // that would send more.
    let (first, second) = GET.split_at(10);
    let stream = Stream::new(vec![
        Read::Data(first.to_vec()),
        Read::Data(second.to_vec()),
        Read::Stall,
    ]);
    let shutdown = Shutdown::new();
    shutdown.advance(Stage::Draining);
    let (result, took) = serve_with(&stream, &patient(), &shutdown);
    result.unwrap();
    assert_eq!(stream.written(), HELLO, "the request in hand is answered");
    assert_eq!(
        stream.log()[..3],
        [
            "read 10".to_string(),
            "read 17".into(),
            format!("write {}", HELLO.len())
        ]
    );
    assert!(stream.log().contains(&"shutdown".to_string()));
    assert!(took < ms(10_000), "then closed at once: {took:?}");
}

#[test]
fn accept_errors_are_sorted_as_a_production_server_must() {
    let os = io::Error::from_raw_os_error;
    let sort = |code| accept::classify(&os(code));
    assert!(matches!(
        sort(libc::ECONNABORTED),
        AcceptFailure::ThisConnection
    ));
    assert!(matches!(sort(libc::EINTR), AcceptFailure::ThisConnection));
    for code in [libc::EMFILE, libc::ENFILE, libc::ENOBUFS, libc::ENOMEM] {
        assert!(matches!(sort(code), AcceptFailure::OutOfResources));
    }
    assert!(matches!(sort(libc::EBADF), AcceptFailure::Listener));
    assert_eq!(accept::BACKOFF, Duration::from_millis(100));
}
