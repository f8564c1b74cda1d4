//! The async driver against a scripted stream and pretend timers: what it
//! writes, when it shuts down and drains, which deadlines it sets, and how
//! the accept loop keeps its cap and survives `accept` errors.
//!
//! The executor here is the smallest that works: poll; if the future is
//! stuck, fire every timer made so far; poll again. A script's `Stall` is a
//! client that sends nothing until a timer fires.

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use ch15_runtime::http::io_traits::{AsyncRead, AsyncWrite, Listener};
use ch15_runtime::http::server::{
    ACCEPT_BACKOFF, Task, serve, serve_connection,
};
use ch15_runtime::http::{Limits, Request, demo};

const HELLO: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\
Content-Type: text/plain\r\n\r\nHello, world!";
const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n";

/// What the client does at its next read.
enum Read {
    Data(Vec<u8>),
    /// Sends nothing until a timer fires.
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

    fn poll_shutdown(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        self.0.lock().unwrap().log.push("shutdown".into());
        Poll::Ready(Ok(()))
    }
}

/// Pretend timers: each sleep is ready once [`Timers::fire`] has run after
/// it was made. They record the durations asked for.
#[derive(Clone, Default)]
struct Timers(Arc<Mutex<(usize, Vec<Duration>)>>);

impl Timers {
    fn sleep(
        &self,
    ) -> impl Fn(Duration) -> Sleep + Clone + Send + Sync + 'static {
        let timers = self.clone();
        move |duration| {
            let mut state = timers.0.lock().unwrap();
            state.1.push(duration);
            Sleep {
                timers: timers.clone(),
                number: state.1.len(),
            }
        }
    }

    fn fire(&self) {
        let mut state = self.0.lock().unwrap();
        state.0 = state.1.len();
    }

    fn durations(&self) -> Vec<Duration> {
        self.0.lock().unwrap().1.clone()
    }
}

struct Sleep {
    timers: Timers,
    number: usize,
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        let fired = self.timers.0.lock().unwrap().0;
        if fired >= self.number {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// Runs `future`, firing the timers whenever it is stuck.
fn run<F: Future>(future: F, timers: &Timers) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..100 {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        timers.fire();
    }
    panic!("the future is stuck even with every timer fired");
}

/// Serves `stream` with the demo router and default limits.
fn serve_one(stream: &Stream, timers: &Timers) -> io::Result<()> {
    let router = demo();
    let handler = |r: &Request<'_>| router.handle(r);
    let sleep = timers.sleep();
    let limits = Limits::default();
    run(
        serve_connection(stream.clone(), &handler, &limits, &sleep),
        timers,
    )
}

#[test]
fn hello_world_then_an_orderly_close() {
    let stream = Stream::new(vec![Read::Data(GET.to_vec()), Read::Eof]);
    let timers = Timers::default();
    serve_one(&stream, &timers).unwrap();
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
        timers.durations().is_empty(),
        "no read or write had to wait"
    );
}

#[test]
fn pipelined_requests_are_answered_with_one_write() {
    let stream = Stream::new(vec![Read::Data(GET.repeat(3)), Read::Eof]);
    serve_one(&stream, &Timers::default()).unwrap();
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
    serve_one(&stream, &Timers::default()).unwrap();
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
    let error = serve_one(&stream, &Timers::default()).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::ConnectionReset);
    assert_eq!(stream.written(), HELLO);
}

#[test]
fn a_slow_head_gets_408_then_a_lingering_close() {
    let stream = Stream::new(vec![
        Read::Data(b"GET / HTTP/1.1\r\n".to_vec()),
        Read::Stall,
    ]);
    let timers = Timers::default();
    serve_one(&stream, &timers).unwrap();
    assert!(
        stream
            .written()
            .starts_with(b"HTTP/1.1 408 Request Timeout\r\n")
    );
    assert_eq!(stream.log().last().unwrap(), "shutdown");
    let limits = Limits::default();
    let durations = timers.durations();
    assert_eq!(durations.len(), 2, "{durations:?}");
    // The header deadline, less the moments that passed before the read.
    let head = durations[0];
    assert!(head <= limits.header_timeout);
    assert!(head > limits.header_timeout - Duration::from_secs(1));
    // Then the linger.
    assert!(durations[1] <= limits.linger);
}

#[test]
fn an_idle_connection_is_closed_without_a_response() {
    let stream = Stream::new(vec![Read::Stall]);
    serve_one(&stream, &Timers::default()).unwrap();
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
    serve_one(&stream, &Timers::default()).unwrap();
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
    let timers = Timers::default();
    let error = serve_one(&stream, &timers).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    assert_eq!(timers.durations(), [Limits::default().write_timeout]);
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
    serve_one(&stream, &Timers::default()).unwrap();
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

/// A listener that hands out scripted results, then waits forever.
struct Accepts(Mutex<VecDeque<io::Result<Stream>>>, AtomicUsize);

impl Listener for &Accepts {
    type Stream = Stream;

    fn poll_accept(&self, _: &mut Context<'_>) -> Poll<io::Result<Stream>> {
        match self.0.lock().unwrap().pop_front() {
            Some(result) => {
                self.1.fetch_add(1, Ordering::SeqCst);
                Poll::Ready(result)
            }
            None => Poll::Pending,
        }
    }
}

fn accepts(results: Vec<io::Result<Stream>>) -> Accepts {
    Accepts(Mutex::new(results.into()), AtomicUsize::new(0))
}

#[test]
fn at_the_cap_the_loop_stops_accepting_until_a_connection_ends() {
    let streams = (0..3)
        .map(|_| Ok(Stream::new(vec![Read::Data(GET.to_vec()), Read::Eof])));
    let listener = accepts(streams.collect());
    let tasks: Arc<Mutex<Vec<Task>>> = Arc::default();
    let spawned = Arc::clone(&tasks);
    let limits = Limits {
        max_connections: 2,
        ..Limits::default()
    };
    let timers = Timers::default();
    let handler = Arc::new(|r: &Request<'_>| demo().handle(r));
    let spawn = move |task| spawned.lock().unwrap().push(task);
    let mut server =
        pin!(serve(&listener, handler, limits, timers.sleep(), spawn));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(server.as_mut().poll(&mut cx).is_pending());
    assert_eq!(
        listener.1.load(Ordering::SeqCst),
        2,
        "two accepted, then the cap"
    );
    // One connection ends: its permit comes back, and the third is accepted.
    let first = tasks.lock().unwrap().remove(0);
    run(first, &timers);
    assert!(server.as_mut().poll(&mut cx).is_pending());
    assert_eq!(listener.1.load(Ordering::SeqCst), 3);
    // The tasks serve their connections.
    let rest: Vec<Task> = tasks.lock().unwrap().drain(..).collect();
    for task in rest {
        run(task, &timers);
    }
}

#[test]
fn accept_errors_are_skipped_paused_on_or_returned() {
    let os = io::Error::from_raw_os_error;
    let stream = Stream::new(vec![Read::Data(GET.to_vec()), Read::Eof]);
    let listener = accepts(vec![
        Err(os(libc::ECONNABORTED)),
        Err(os(libc::EMFILE)),
        Ok(stream.clone()),
        Err(os(libc::EBADF)),
    ]);
    let timers = Timers::default();
    let tasks: Arc<Mutex<Vec<Task>>> = Arc::default();
    let spawned = Arc::clone(&tasks);
    let spawn = move |task| spawned.lock().unwrap().push(task);
    let handler = Arc::new(|r: &Request<'_>| demo().handle(r));
    let server =
        serve(&listener, handler, Limits::default(), timers.sleep(), spawn);
    let error = run(server, &timers).unwrap_err();
    assert_eq!(error.raw_os_error(), Some(libc::EBADF));
    assert_eq!(timers.durations(), [ACCEPT_BACKOFF], "EMFILE pauses");
    let task = tasks.lock().unwrap().pop().unwrap();
    run(task, &timers);
    assert_eq!(stream.written(), HELLO);
}
