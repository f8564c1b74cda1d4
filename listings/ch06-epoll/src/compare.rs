//! One measurement of three servers: chapter 3's threads, chapter 5's
//! green threads and this chapter's readiness loop. Each runs alone in a
//! child copy of the measuring binary; the measuring process is the client.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::harness::limits;
use crate::harness::load::{self, LoadConfig, LoadSummary};
use crate::harness::procfs::Status;
use crate::launch;
use crate::process::ServerProcess;
use crate::{server, threads};

/// What a measuring binary passes to a child copy of itself to serve.
pub const SERVE_FLAG: &str = "--serve";

/// The three servers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Threads,
    Green,
    Epoll,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Threads, Kind::Green, Kind::Epoll];

    fn name(self) -> &'static str {
        match self {
            Kind::Threads => "threads",
            Kind::Green => "green",
            Kind::Epoll => "epoll",
        }
    }

    /// How the output names it, padded to one width.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Threads => "threads (chapter 3)        ",
            Kind::Green => "green threads (chapter 5)  ",
            Kind::Epoll => "epoll loop (this chapter)  ",
        }
    }

    /// Starts this server in a child copy of the running program.
    pub fn start(self) -> io::Result<ServerProcess> {
        ServerProcess::start_self(&[SERVE_FLAG, self.name()])
    }
}

/// In a child started by [`Kind::start`]: serve, and never return.
pub fn serve_if_asked() -> Option<io::Result<()>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [flag, kind] = args.as_slice() else {
        return None;
    };
    if flag != SERVE_FLAG {
        return None;
    }
    Some(match kind.as_str() {
        "threads" => serve_threads(),
        "green" => server::serve("127.0.0.1:0", None),
        "epoll" => launch::serve("127.0.0.1:0", None),
        other => Err(io::Error::other(format!("no server {other:?}"))),
    })
}

/// Chapter 3's server, listening with the same long accept queue as the
/// other two, so that connects never wait for a dropped SYN's retry.
fn serve_threads() -> io::Result<()> {
    limits::raise_fd_limit()?;
    let listener = launch::bind("127.0.0.1:0")?;
    println!("listening on {}", listener.local_addr()?);
    io::stdout().flush()?;
    threads::serve(&listener)
}

// ANCHOR: idle
/// A server's `/proc` figures before and after `connections` idle
/// connections, each of which has echoed one byte.
pub struct Idle {
    pub before: Status,
    pub after: Status,
    /// Memory maps before and after.
    pub maps: (u64, u64),
}

pub fn idle(kind: Kind, connections: usize) -> io::Result<Idle> {
    let server = kind.start()?;
    let before = server.status()?;
    let maps_before = server.map_count()?;
    let clients = open_idle(&server, connections)?;
    // Chapter 3's server starts a thread per connection: wait for all.
    let expected = match kind {
        Kind::Threads => before.threads + connections as u64,
        Kind::Green | Kind::Epoll => before.threads,
    };
    let after = settle(&server, expected)?;
    let maps = (maps_before, server.map_count()?);
    // Server first: its exit closes its side of every connection at once,
    // without waking 10,000 threads to read an end of stream.
    drop(server);
    drop(clients);
    Ok(Idle {
        before,
        after,
        maps,
    })
}
// ANCHOR_END: idle

impl Idle {
    /// Resident memory added per connection, in KiB.
    pub fn rss_per_connection_kib(&self, connections: usize) -> f64 {
        let added =
            self.after.vm_rss_kib as f64 - self.before.vm_rss_kib as f64;
        added / connections as f64
    }

    /// Memory maps added per connection.
    pub fn maps_per_connection(&self, connections: usize) -> f64 {
        (self.maps.1 as f64 - self.maps.0 as f64) / connections as f64
    }
}

/// Opens `connections` connections from 4 threads, each echoing one byte.
fn open_idle(
    server: &ServerProcess,
    connections: usize,
) -> io::Result<Vec<TcpStream>> {
    const THREADS: usize = 4;
    std::thread::scope(|scope| {
        let openers: Vec<_> = (0..THREADS)
            .map(|t| {
                let share = (t..connections).step_by(THREADS).count();
                scope.spawn(move || {
                    (0..share)
                        .map(|_| echo_one_byte(server))
                        .collect::<io::Result<Vec<_>>>()
                })
            })
            .collect();
        let mut clients = Vec::with_capacity(connections);
        for opener in openers {
            let opened = opener
                .join()
                .map_err(|_| io::Error::other("a client thread panicked"))?;
            clients.extend(opened?);
        }
        Ok(clients)
    })
}

fn echo_one_byte(server: &ServerProcess) -> io::Result<TcpStream> {
    let timeout = Duration::from_secs(5);
    let mut stream = TcpStream::connect_timeout(&server.addr(), timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.write_all(b"x")?;
    stream.read_exact(&mut [0])?;
    Ok(stream)
}

/// Waits until the server has `threads` threads, and returns its status.
fn settle(server: &ServerProcess, threads: u64) -> io::Result<Status> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = server.status()?;
        if status.threads == threads || Instant::now() >= deadline {
            return Ok(status);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

// ANCHOR: load
/// Messages per second through a fresh server under the load client.
pub fn load(kind: Kind, config: &LoadConfig) -> io::Result<LoadSummary> {
    let server = kind.start()?;
    let summary = load::run(&LoadConfig {
        addr: server.addr(),
        ..config.clone()
    });
    match summary.first_error {
        Some(ref error) => Err(io::Error::other(format!(
            "{}: {} errors, first: {error}",
            kind.name(),
            summary.errors
        ))),
        None => Ok(summary),
    }
}
// ANCHOR_END: load
