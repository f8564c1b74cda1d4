//! The server over real sockets on 127.0.0.1, on both flavours of the
//! runtime: keep-alive, pipelining in order, every refusal with its status
//! and a clean end of input (never a reset), 408 for a slowloris client,
//! the connection cap, clients that misbehave, and a graceful stop.
//!
//! The server runs on a thread of its own; the clients are blocking std
//! sockets with a timeout on every call, so nothing here can hang.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown as Half, SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use ch15_runtime::http::{self, Limits, Request, Stopped, demo};
use ch15_runtime::net::TcpListener;
use ch15_runtime::oneshot;
use ch15_runtime::runtime::{Builder, Flavor};

const TIMEOUT: Duration = Duration::from_secs(5);
const FLAVORS: [Flavor; 2] = [Flavor::CurrentThread, Flavor::MultiThread];
const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n";
const HELLO: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\
Content-Type: text/plain\r\n\r\nHello, world!";

/// A server on its own thread and runtime, stopped by [`Server::stop`].
struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    done: mpsc::Receiver<io::Result<Stopped>>,
}

impl Server {
    fn start(flavor: Flavor, limits: Limits) -> Server {
        let (addr_tx, addr_rx) = mpsc::channel();
        let (done_tx, done) = mpsc::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        thread::spawn(move || {
            let runtime = match flavor {
                Flavor::CurrentThread => Builder::new_current_thread().build(),
                Flavor::MultiThread => {
                    Builder::new_multi_thread().worker_threads(2).build()
                }
            }
            .unwrap();
            let result = runtime.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await?;
                addr_tx.send(listener.local_addr()?).unwrap();
                let router = demo();
                let handler = Arc::new(move |r: &Request<'_>| router.handle(r));
                let stop = async {
                    let _ = stopped.await;
                };
                http::serve(listener, handler, limits, stop).await
            });
            let _ = done_tx.send(result);
        });
        let addr = addr_rx.recv_timeout(TIMEOUT).expect("server started");
        Server {
            addr,
            stop: Some(stop),
            done,
        }
    }

    /// Stops it, and returns what it did with its connections.
    fn stop(mut self) -> Stopped {
        self.stop.take().unwrap().send(());
        self.done.recv_timeout(TIMEOUT).expect("stopped").unwrap()
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect_timeout(&self.addr, TIMEOUT).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(TIMEOUT)).unwrap();
        stream
    }

    /// One request on a new connection; everything until the server
    /// closes it.
    fn exchange(&self, request: &[u8]) -> Vec<u8> {
        let mut stream = self.connect();
        stream.write_all(request).unwrap();
        read_to_end(&mut stream)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(());
            let _ = self.done.recv_timeout(TIMEOUT);
        }
    }
}

/// Everything until the end of input, which must be an orderly one.
fn read_to_end(stream: &mut TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    match stream.read_to_end(&mut all) {
        Ok(_) => all,
        Err(e) => panic!(
            "{e} after {:?}",
            String::from_utf8_lossy(&all)
                .chars()
                .take(200)
                .collect::<String>()
        ),
    }
}

/// Closes `stream` with a reset (RST) instead of a FIN: SO_LINGER with a
/// zero timeout.
fn reset(stream: TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: `linger` is a valid `struct linger`, of the length passed,
    // and the descriptor is open while `stream` lives.
    let set = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const linger).cast(),
            size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(set, 0, "{}", io::Error::last_os_error());
}

fn read_exact(stream: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0; n];
    stream.read_exact(&mut buf).unwrap();
    buf
}

fn echo(body: &str, close: bool) -> Vec<u8> {
    let connection = if close { "Connection: close\r\n" } else { "" };
    format!(
        "POST /echo HTTP/1.1\r\nHost: t\r\n{connection}\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn small_limits() -> Limits {
    Limits {
        header_timeout: Duration::from_millis(300),
        linger: Duration::from_millis(200),
        drain_timeout: Duration::from_secs(2),
        ..Limits::default()
    }
}

#[test]
fn keep_alive_and_pipelined_requests_answered_in_order() {
    for flavor in FLAVORS {
        let server = Server::start(flavor, Limits::default());
        let mut stream = server.connect();
        for _ in 0..3 {
            stream.write_all(GET).unwrap();
            assert_eq!(read_exact(&mut stream, HELLO.len()), HELLO);
        }
        // Three at once, one of them a 404, the last closing.
        let mut pipelined = echo("first", false);
        pipelined
            .extend_from_slice(b"GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n");
        pipelined.extend_from_slice(&echo("third", true));
        stream.write_all(&pipelined).unwrap();
        let text = String::from_utf8(read_to_end(&mut stream)).unwrap();
        let first = text.find("\r\n\r\nfirst").expect(&text);
        let missing = text.find("HTTP/1.1 404 Not Found").expect(&text);
        let third = text.find("\r\n\r\nthird").expect(&text);
        assert!(first < missing && missing < third, "{flavor:?}: {text}");
        assert_eq!(text.matches("HTTP/1.1 ").count(), 3, "{text}");
        drop(stream);
        server.stop();
    }
}

#[test]
fn every_refusal_has_its_status_and_an_orderly_close() {
    let big_head = format!(
        "GET / HTTP/1.1\r\nHost: t\r\nX-Big: {}\r\n\r\n",
        "x".repeat(10_000)
    );
    let cases: [(&[u8], &str); 7] = [
        (b"GET\r\n\r\n", "400 Bad Request"),
        (b"GET / HTTP/1.1\r\nHost t\r\n\r\n", "400 Bad Request"),
        (b"GET / HTTP/1.1\r\n\r\n", "400 Bad Request"), // no Host
        (
            b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999\r\n\r\n",
            "413 Content Too Large",
        ),
        (big_head.as_bytes(), "431 Request Header Fields Too Large"),
        (
            b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "501 Not Implemented",
        ),
        (b"GET / HTTP/2.0\r\nHost: t\r\n\r\n", "505 HTTP Version Not Supported"),
    ];
    for flavor in FLAVORS {
        let server = Server::start(flavor, Limits::default());
        for (request, status) in cases {
            let response = String::from_utf8(server.exchange(request)).unwrap();
            assert!(
                response.starts_with(&format!("HTTP/1.1 {status}\r\n")),
                "{flavor:?}: {:?} gave {response}",
                String::from_utf8_lossy(request)
            );
            assert!(response.contains("\r\nConnection: close\r\n"));
        }
        // A refused body that keeps coming is drained, so the 413 arrives
        // whole instead of being lost to a reset.
        let mut stream = server.connect();
        let head = b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n";
        stream.write_all(head).unwrap();
        stream.write_all(&[b'x'; 200_000]).unwrap();
        stream.shutdown(Half::Write).unwrap();
        let response = read_to_end(&mut stream);
        assert!(response.starts_with(b"HTTP/1.1 413 "), "{flavor:?}");
        drop(stream);
        server.stop();
    }
}

#[test]
fn a_slowloris_client_gets_408_while_others_are_served() {
    for flavor in FLAVORS {
        let limits = small_limits();
        let timeout = limits.header_timeout;
        let server = Server::start(flavor, limits);
        let start = Instant::now();
        let mut slow = server.connect();
        slow.write_all(b"GET / HTTP/1.1\r\nHost: t\r\n").unwrap();
        // Meanwhile another client is served at once.
        assert!(server.exchange(&echo("hi", true)).ends_with(b"hi"));
        slow.write_all(b"X-Slow: 1\r\n").unwrap(); // a trickle resets nothing
        let response = read_to_end(&mut slow);
        let took = start.elapsed();
        assert!(
            response.starts_with(b"HTTP/1.1 408 Request Timeout\r\n"),
            "{flavor:?}: {}",
            String::from_utf8_lossy(&response)
        );
        assert!(took >= timeout, "{took:?}");
        assert!(took < timeout + Duration::from_secs(2), "{took:?}");
        drop(slow);
        server.stop();
    }
}

#[test]
fn at_the_cap_new_connections_wait_until_one_ends() {
    for flavor in FLAVORS {
        let limits = Limits {
            max_connections: 2,
            ..Limits::default()
        };
        let server = Server::start(flavor, limits);
        let mut held: Vec<TcpStream> = (0..2)
            .map(|_| {
                let mut stream = server.connect();
                stream.write_all(GET).unwrap();
                assert_eq!(read_exact(&mut stream, HELLO.len()), HELLO);
                stream
            })
            .collect();
        // The third connects (the kernel queues it) but is not served.
        let mut third = server.connect();
        third.write_all(GET).unwrap();
        third
            .set_read_timeout(Some(Duration::from_millis(150)))
            .unwrap();
        let mut byte = [0; 1];
        let waited = third.read(&mut byte).unwrap_err();
        assert!(
            matches!(
                waited.kind(),
                ErrorKind::WouldBlock | ErrorKind::TimedOut
            ),
            "{flavor:?}: {waited}"
        );
        // One ends: the third is accepted and answered.
        drop(held.remove(0));
        third.set_read_timeout(Some(TIMEOUT)).unwrap();
        assert_eq!(read_exact(&mut third, HELLO.len()), HELLO, "{flavor:?}");
        drop((held, third));
        server.stop();
    }
}

#[test]
fn misbehaving_clients_never_end_the_server() {
    for flavor in FLAVORS {
        let server = Server::start(flavor, small_limits());
        for _ in 0..3 {
            // Connects and goes away at once.
            drop(server.connect());
            // Resets: SO_LINGER 0 makes close send RST.
            let stream = server.connect();
            reset(stream);
            // Half a request, then a reset.
            let mut stream = server.connect();
            stream.write_all(b"GET / HT").unwrap();
            reset(stream);
            // A request, then gone before the response is read.
            let mut stream = server.connect();
            stream.write_all(&GET.repeat(50)).unwrap();
            reset(stream);
            // Garbage.
            let garbage = server.exchange(&[0xff; 3000]);
            assert!(garbage.starts_with(b"HTTP/1.1 400 "), "{flavor:?}");
        }
        let mut stream = server.connect();
        stream.write_all(GET).unwrap();
        assert_eq!(read_exact(&mut stream, HELLO.len()), HELLO, "{flavor:?}");
        drop(stream);
        server.stop();
    }
}

#[test]
fn a_graceful_stop_finishes_requests_in_hand_and_closes_idle_ones() {
    for flavor in FLAVORS {
        // Longer than the clients' read timeout: only the stop can close
        // the idle connection in time.
        let limits = Limits {
            header_timeout: 2 * TIMEOUT,
            ..small_limits()
        };
        let server = Server::start(flavor, limits);
        let addr = server.addr;
        // Idle, kept alive after one request.
        let mut idle = server.connect();
        idle.write_all(GET).unwrap();
        assert_eq!(read_exact(&mut idle, HELLO.len()), HELLO);
        // In the middle of a request.
        let mut busy = server.connect();
        busy.write_all(b"POST /echo HTTP/1.1\r\nHost: t\r\n")
            .unwrap();
        // Time for the server to read it: unread, it would be no request
        // in hand, and the connection would count as idle.
        thread::sleep(Duration::from_millis(200));
        let (stopped_tx, stopped) = mpsc::channel();
        let start = Instant::now();
        thread::spawn(move || stopped_tx.send(server.stop()));
        // The idle one is closed without a word, long before the drain
        // deadline (2 s) could have ended it.
        assert_eq!(read_to_end(&mut idle), b"", "{flavor:?}");
        let took = start.elapsed();
        assert!(took < Duration::from_secs(1), "{flavor:?}: {took:?}");
        // The busy one finishes its request and gets its answer.
        busy.write_all(b"Content-Length: 4\r\n\r\nlast").unwrap();
        let response = read_to_end(&mut busy);
        assert!(response.starts_with(b"HTTP/1.1 200 OK\r\n"), "{flavor:?}");
        assert!(response.ends_with(b"last"));
        let stopped = stopped.recv_timeout(TIMEOUT).unwrap();
        assert_eq!(
            stopped,
            Stopped {
                finished: 2,
                dropped: 0
            },
            "{flavor:?}"
        );
        // And nobody is listening any more.
        let refused = TcpStream::connect_timeout(&addr, TIMEOUT).unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
    }
}

#[test]
fn a_graceful_stop_drops_what_is_left_at_the_deadline() {
    for flavor in FLAVORS {
        let limits = Limits {
            header_timeout: Duration::from_secs(60),
            drain_timeout: Duration::from_millis(200),
            ..Limits::default()
        };
        let server = Server::start(flavor, limits);
        let mut stuck = server.connect();
        stuck.write_all(b"GET / HTTP/1.1\r\n").unwrap();
        thread::sleep(Duration::from_millis(50));
        let start = Instant::now();
        let stopped = server.stop();
        let took = start.elapsed();
        assert_eq!(
            stopped,
            Stopped {
                finished: 0,
                dropped: 1
            },
            "{flavor:?}"
        );
        assert!(took >= Duration::from_millis(200), "{took:?}");
        assert!(took < Duration::from_secs(2), "{took:?}");
        let mut rest = Vec::new();
        let _ = stuck.read_to_end(&mut rest); // an end, or a reset
        assert!(rest.is_empty(), "{flavor:?}: no response");
    }
}
