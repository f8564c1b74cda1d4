//! The servers the bench compares, and how each serves in its child
//! process: chapter 3's threads, chapter 5's green threads, chapter 8's
//! callback loop, our runtime (chapter 15's, both flavours) and tokio (both
//! flavours).

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;

use ch03_thread_per_connection::accept::{AcceptFailure, BACKOFF, classify};
use ch03_thread_per_connection::{accept, echo, server as ch03};
use ch05_green_io as ch05;

use crate::blocking;
use crate::callbacks;
use crate::child::announce;
use crate::runtimes::{self, Flavor};

/// What a server serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// HTTP/1.1 hello world.
    Http,
    /// Echo.
    Echo,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Service::Http => "http",
            Service::Echo => "echo",
        }
    }

    pub fn from_name(name: &str) -> Option<Service> {
        [Service::Http, Service::Echo]
            .into_iter()
            .find(|s| s.name() == name)
    }
}

/// A server the bench can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Server {
    /// Chapter 3: one OS thread per connection.
    Threads,
    /// Chapter 5: one green thread per connection, all on one OS thread.
    Green,
    /// Chapter 8: the callback event loop, one thread.
    Callbacks,
    /// Chapter 15: our runtime, current-thread flavour.
    OursCurrent,
    /// Chapter 15: our runtime, multi-threaded flavour (one worker per CPU).
    OursMulti,
    /// tokio's current_thread runtime.
    TokioCurrent,
    /// tokio's multi_thread runtime.
    TokioMulti,
}

impl Server {
    /// Every server, in the order the report lists them.
    pub const ALL: [Server; 7] = [
        Server::Threads,
        Server::Green,
        Server::Callbacks,
        Server::OursCurrent,
        Server::OursMulti,
        Server::TokioCurrent,
        Server::TokioMulti,
    ];

    /// The name `--only` and `--serve` take.
    pub fn name(self) -> &'static str {
        match self {
            Server::Threads => "threads",
            Server::Green => "green",
            Server::Callbacks => "callbacks",
            Server::OursCurrent => "ours-ct",
            Server::OursMulti => "ours-mt",
            Server::TokioCurrent => "tokio-ct",
            Server::TokioMulti => "tokio-mt",
        }
    }

    /// The name in the report.
    pub fn label(self) -> &'static str {
        match self {
            Server::Threads => "threads (ch. 3)",
            Server::Green => "green threads (ch. 5)",
            Server::Callbacks => "callbacks (ch. 8)",
            Server::OursCurrent => "ours current_thread",
            Server::OursMulti => "ours multi_thread",
            Server::TokioCurrent => "tokio current_thread",
            Server::TokioMulti => "tokio multi_thread",
        }
    }

    /// A short name for charts.
    pub fn short(self) -> &'static str {
        match self {
            Server::Threads => "threads",
            Server::Green => "green",
            Server::Callbacks => "callbacks",
            Server::OursCurrent => "ours 1",
            Server::OursMulti => "ours N",
            Server::TokioCurrent => "tokio 1",
            Server::TokioMulti => "tokio N",
        }
    }

    pub fn from_name(name: &str) -> Option<Server> {
        Server::ALL.into_iter().find(|s| s.name() == name)
    }

    /// `None` if the bench can run it; else why not. (Every server runs
    /// today; a server whose chapter is not written yet says so here.)
    pub fn missing(self) -> Option<&'static str> {
        None
    }

    /// Does it run async tasks (so that spawning one has a cost to measure)?
    pub fn runs_tasks(self) -> bool {
        matches!(
            self,
            Server::OursCurrent
                | Server::OursMulti
                | Server::TokioCurrent
                | Server::TokioMulti
        )
    }
}

/// Serves `service` on `addr` forever, as `server` does: the `main` of a
/// server child process. Prints `listening on ADDR` first.
pub fn serve(
    server: Server,
    service: Service,
    addr: SocketAddr,
) -> io::Result<()> {
    match server {
        Server::Threads => serve_threads(service, addr),
        Server::Green => serve_green(service, addr),
        Server::Callbacks => callbacks::serve(service, addr),
        Server::OursCurrent => {
            runtimes::serve_ours(Flavor::CurrentThread, service, addr)
        }
        Server::OursMulti => {
            runtimes::serve_ours(Flavor::MultiThread, service, addr)
        }
        Server::TokioCurrent => {
            runtimes::serve_tokio(Flavor::CurrentThread, service, addr)
        }
        Server::TokioMulti => {
            runtimes::serve_tokio(Flavor::MultiThread, service, addr)
        }
    }
}

/// Nanoseconds per spawn and per hand-off on an async runtime.
pub fn task_costs(
    server: Server,
    spawns: usize,
    handoffs: usize,
) -> io::Result<(f64, f64)> {
    match server {
        Server::OursCurrent => {
            runtimes::ours_task_costs(Flavor::CurrentThread, spawns, handoffs)
        }
        Server::OursMulti => {
            runtimes::ours_task_costs(Flavor::MultiThread, spawns, handoffs)
        }
        Server::TokioCurrent => {
            runtimes::tokio_task_costs(Flavor::CurrentThread, spawns, handoffs)
        }
        Server::TokioMulti => {
            runtimes::tokio_task_costs(Flavor::MultiThread, spawns, handoffs)
        }
        _ => Err(not_built(server)),
    }
}

fn not_built(server: Server) -> io::Error {
    io::Error::other(format!(
        "{}: {}",
        server.name(),
        server.missing().unwrap_or("it runs no tasks")
    ))
}

/// Logs a connection's failure, unless the client merely went away.
pub fn log_failure(result: io::Result<()>) {
    use io::ErrorKind::*;
    if let Err(e) = result
        && !matches!(
            e.kind(),
            ConnectionReset | BrokenPipe | ConnectionAborted | UnexpectedEof
        )
    {
        eprintln!("connection failed: {e}");
    }
}

/// Serves one connection with the blocking handlers; any `Read + Write`
/// stream, std's or chapter 5's green one.
fn blocking_connection<S>(mut stream: S, service: Service) -> io::Result<()>
where
    S: io::Read + io::Write,
{
    match service {
        Service::Http => blocking::http_connection(&mut stream),
        Service::Echo => echo::echo(&mut stream).map(drop),
    }
}

/// The backlog of every blocking listener: tokio listens with 1,024 and
/// chapter 5 with `SOMAXCONN` (4,096 here); std's 128 would drop some of
/// wrk's 500 simultaneous connects, which then retry a second later.
const BACKLOG: libc::c_int = 1024;

// ---- chapter 3: one OS thread per connection ----

/// Chapter 3's server with a choice of handler: its accept loop, its cap
/// on threads (`thread_cap`: the memory maps `vm.max_map_count` allows),
/// its 2 MiB stacks.
fn serve_threads(service: Service, addr: SocketAddr) -> io::Result<()> {
    let listener = TcpListener::bind(addr)?;
    // SAFETY: listen takes no pointers; the descriptor is a valid socket.
    // On a listening socket it only changes the backlog.
    if unsafe { libc::listen(listener.as_raw_fd(), BACKLOG) } == -1 {
        return Err(io::Error::last_os_error());
    }
    let cap = ch03::thread_cap()?;
    announce(listener.local_addr()?)?;
    let open = Arc::new(AtomicU64::new(0));
    let never = AtomicBool::new(false);
    let mut refusing = false;
    accept::accept_loop(&listener, &never, |stream, _peer| {
        let at_cap = open.load(Ordering::Relaxed) >= cap;
        if at_cap && !refusing {
            eprintln!(
                "{cap} threads, the most vm.max_map_count leaves room for; \
                 refusing more"
            );
        }
        refusing = at_cap;
        if !at_cap {
            spawn_thread(stream, service, &open);
        }
    })
}

fn spawn_thread(stream: TcpStream, service: Service, open: &Arc<AtomicU64>) {
    open.fetch_add(1, Ordering::Relaxed);
    let counted = Arc::clone(open);
    let spawned =
        thread::Builder::new()
            .stack_size(ch03::STACK_SIZE)
            .spawn(move || {
                let _ = stream.set_nodelay(true);
                log_failure(blocking_connection(&stream, service));
                counted.fetch_sub(1, Ordering::Relaxed);
            });
    if let Err(e) = spawned {
        // The closure, and with it the stream, is gone: the client sees
        // the connection close.
        open.fetch_sub(1, Ordering::Relaxed);
        eprintln!("cannot spawn a thread: {e}; dropping the connection");
    }
}

// ---- chapter 5: one green thread per connection ----

/// Chapter 5's green threads: its runtime, its green sockets, its 64 KiB
/// stacks; the accept loop of chapter 5's echo server.
fn serve_green(service: Service, addr: SocketAddr) -> io::Result<()> {
    ch05::run(move || {
        let listener = ch05::net::TcpListener::bind(addr)?;
        announce(listener.local_addr()?)?;
        let (mut failing, mut starved) = (false, false);
        loop {
            match listener.accept() {
                Ok((stream, _peer)) => {
                    starved = false;
                    let spawned = ch05::Builder::new().spawn(move || {
                        let _ = stream.set_nodelay(true);
                        log_failure(blocking_connection(&stream, service));
                    });
                    // Out of memory maps for a stack: this connection is
                    // dropped (closed); the others go on.
                    match spawned {
                        Ok(_detached) => failing = false,
                        Err(e) if !failing => {
                            failing = true;
                            eprintln!("cannot start a green thread: {e}");
                        }
                        Err(_) => {}
                    }
                }
                Err(e) => match classify(&e) {
                    AcceptFailure::OutOfResources => {
                        if !starved {
                            eprintln!("accept: {e}; backing off");
                            starved = true;
                        }
                        ch05::sleep(BACKOFF);
                    }
                    AcceptFailure::ThisConnection => {}
                    AcceptFailure::Listener => return Err(e),
                },
            }
        }
    })
}
