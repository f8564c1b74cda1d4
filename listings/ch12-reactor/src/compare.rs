//! Chapter 6's readiness loop and this chapter's echo server, measured the
//! same way: each server alone in a child copy of the measuring binary
//! (its `/proc/<pid>/status` is then its own), the measuring process the
//! client.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::harness::limits;
use crate::harness::load::{self, LoadConfig, LoadSummary};
use crate::harness::procfs::Status;
use crate::net::TcpListener;
use crate::process::ServerProcess;
use crate::{echo, launch, net, runtime};

/// What a measuring binary passes to a child copy of itself to serve.
pub const SERVE_FLAG: &str = "--serve";

/// The servers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Chapter 6's readiness loop: a state machine per connection.
    Epoll,
    /// Tokio's echo server on this chapter's runtime.
    Reactor,
    /// The same loop with a 16-byte buffer: what is left is the runtime's.
    Small,
}

impl Kind {
    /// The two servers compared.
    pub const ALL: [Kind; 2] = [Kind::Epoll, Kind::Reactor];

    fn name(self) -> &'static str {
        match self {
            Kind::Epoll => "epoll",
            Kind::Reactor => "reactor",
            Kind::Small => "small",
        }
    }

    /// How the output names it, padded to one width.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Epoll => "epoll loop (chapter 6)       ",
            Kind::Reactor => "tokio's echo on the reactor  ",
            Kind::Small => "the same, 16-byte buffer     ",
        }
    }

    /// Starts this server in a child copy of the running program, with at
    /// most `max_fds` descriptors (`None`: as many as the hard limit).
    pub fn start(self, max_fds: Option<u64>) -> io::Result<ServerProcess> {
        let max = max_fds.map(|max| max.to_string());
        let mut args = vec![SERVE_FLAG, self.name()];
        if let Some(max) = &max {
            args.extend(["--max-fds", max]);
        }
        ServerProcess::start_self(&args)
    }
}

/// In a child started by [`Kind::start`]: serve, and never return.
pub fn serve_if_asked() -> Option<io::Result<()>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (kind, max_fds) = match args.as_slice() {
        [flag, kind] if flag == SERVE_FLAG => (kind, None),
        [flag, kind, max_flag, max]
            if flag == SERVE_FLAG && max_flag == "--max-fds" =>
        {
            (kind, max.parse().ok())
        }
        _ => return None,
    };
    Some(match kind.as_str() {
        "epoll" => launch::serve("127.0.0.1:0", max_fds),
        "reactor" => serve_reactor(max_fds, false),
        "small" => serve_reactor(max_fds, true),
        other => Err(io::Error::other(format!("no server {other:?}"))),
    })
}

// ANCHOR: serve_reactor
/// The echo server of this chapter, as a process: prints `listening on
/// ADDR`, then serves until it is killed; with a 16-byte buffer if
/// `small`.
pub fn serve_reactor(max_fds: Option<u64>, small: bool) -> io::Result<()> {
    match max_fds {
        Some(max) => limits::lower_fd_limit(max)?,
        None => limits::raise_fd_limit()?,
    };
    let runtime = runtime::Runtime::new()?;
    runtime.block_on(async {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        net::socket::listen(&listener)?;
        println!("listening on {}", listener.local_addr()?);
        io::stdout().flush()?;
        let listener = TcpListener::from_std(listener)?;
        if small {
            return echo_sized::<16>(listener).await;
        }
        echo::serve(listener)
            .await
            .map_err(|e| io::Error::other(e.to_string()))
    })
}
// ANCHOR_END: serve_reactor

/// A server's `/proc` figures before and after `connections` idle
/// connections, each of which has echoed one byte.
pub struct Idle {
    pub before: Status,
    pub after: Status,
}

pub fn idle(kind: Kind, connections: usize) -> io::Result<Idle> {
    let server = kind.start(None)?;
    let before = server.status()?;
    let clients = open_idle(&server, connections)?;
    // Let the server finish what the last connections started.
    std::thread::sleep(Duration::from_millis(100));
    let after = server.status()?;
    drop(server);
    drop(clients);
    Ok(Idle { before, after })
}

impl Idle {
    /// Resident memory added per connection, in KiB.
    pub fn rss_per_connection_kib(&self, connections: usize) -> f64 {
        let added =
            self.after.vm_rss_kib as f64 - self.before.vm_rss_kib as f64;
        added / connections as f64
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

/// Messages per second through a fresh server under the load client.
pub fn load(kind: Kind, config: &LoadConfig) -> io::Result<LoadSummary> {
    let server = kind.start(None)?;
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

// ANCHOR: sized
/// The echo server's loop with a buffer of `N` bytes instead of 1 KiB, for
/// the system-call counts: with `N` equal to the message size, every read
/// fills the buffer, so none is short.
pub async fn echo_sized<const N: usize>(
    listener: TcpListener,
) -> io::Result<()> {
    loop {
        let (mut socket, _) = listener.accept().await?;
        crate::spawn(async move {
            use crate::io::{AsyncReadExt, AsyncWriteExt};
            let mut buf = [0; N];
            loop {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if socket.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                }
            }
        });
    }
}
// ANCHOR_END: sized
