//! Starting a server from the command line: set limits, bind, say where, serve.
//! The `echo-threads` and `echo-pool` binaries are this module's `main`, and
//! the measuring binaries run it in a child copy of themselves.

use std::io::{self, Write};
use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use crate::harness::args::Args;
use crate::harness::{limits as fd_limits, procfs};
use crate::{limits, pool, server};

/// What a measuring binary passes to a child copy of itself to make it a server.
pub const SERVE_FLAG: &str = "--serve";

const FLAGS: &[&str] = &[
    "addr",
    "workers",
    "max-fds",
    "max-new-threads",
    "max-connections",
];

/// How to run a server.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// Where to listen, e.g. `127.0.0.1:7878` (port 0: any free port).
    pub addr: String,
    /// `None`: one thread per connection; `Some(n)`: a pool of `n` threads.
    pub workers: Option<usize>,
    /// Lower the soft descriptor limit to this (default: raise it to the hard limit).
    pub max_fds: Option<u64>,
    /// Limit the address space so only this many more threads fit.
    pub max_new_threads: Option<u64>,
    /// One thread per connection: open connections at most (default:
    /// [`server::thread_cap`]).
    pub max_connections: Option<u64>,
}

impl ServerOptions {
    /// One thread per connection on `addr`, limits untouched.
    pub fn threads(addr: &str) -> Self {
        ServerOptions {
            addr: addr.to_string(),
            workers: None,
            max_fds: None,
            max_new_threads: None,
            max_connections: None,
        }
    }

    /// Parses `--addr`, `--workers`, `--max-fds`, `--max-new-threads` and
    /// `--max-connections`.
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        workers: Option<usize>,
    ) -> Result<Self, String> {
        let args = Args::parse(args, FLAGS)?;
        Ok(ServerOptions {
            addr: args.get_or("addr", "127.0.0.1:7878".to_string())?,
            workers: args.get("workers")?.or(workers),
            max_fds: args.get("max-fds")?,
            max_new_threads: args.get("max-new-threads")?,
            max_connections: args.get("max-connections")?,
        })
    }

    /// The flags that [`parse`](Self::parse) turns back into these options.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = vec!["--addr".to_string(), self.addr.clone()];
        let optional = [
            ("--workers", self.workers.map(|n| n as u64)),
            ("--max-fds", self.max_fds),
            ("--max-new-threads", self.max_new_threads),
            ("--max-connections", self.max_connections),
        ];
        for (flag, value) in optional {
            if let Some(value) = value {
                args.extend([flag.to_string(), value.to_string()]);
            }
        }
        args
    }
}

/// Applies the limits, binds, prints `listening on ADDR` and serves forever.
pub fn run(options: &ServerOptions) -> io::Result<()> {
    let listener = TcpListener::bind(&options.addr)?;
    match options.max_fds {
        Some(max) => {
            fd_limits::lower_fd_limit(max)?;
            let in_use = procfs::open_fds()?;
            eprintln!(
                "server: descriptor limit lowered to {max}, {in_use} in use"
            );
        }
        None => {
            fd_limits::raise_fd_limit()?;
        }
    }
    if let Some(threads) = options.max_new_threads {
        limits::limit_threads_by_address_space(
            threads,
            server::STACK_SIZE as u64,
        )?;
        eprintln!(
            "server: address space limited to fit {threads} more thread stacks"
        );
    }
    println!("listening on {}", listener.local_addr()?);
    io::stdout().flush()?;
    let never = AtomicBool::new(false);
    match options.workers {
        None => {
            let cap = options
                .max_connections
                .map_or_else(server::thread_cap, Ok)?;
            server::serve_at_most(&listener, &never, cap)
        }
        Some(workers) => pool::serve(&listener, &never, workers),
    }
}

/// `main` of a server binary; `workers` as in [`ServerOptions::parse`].
pub fn main(
    args: impl IntoIterator<Item = String>,
    workers: Option<usize>,
) -> ExitCode {
    let result = ServerOptions::parse(args, workers)
        .map_err(|usage| io::Error::new(io::ErrorKind::InvalidInput, usage))
        .and_then(|options| run(&options));
    exit_code("server", result)
}

/// Reports an error as `program: error` and turns the result into the
/// process's exit code.
pub fn exit_code(program: &str, result: io::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{program}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `main` of a measuring binary, which starts a copy of itself as the
/// server: that copy serves; this one runs `measure`.
pub fn measuring_main(
    program: &str,
    measure: impl FnOnce() -> io::Result<()>,
) -> ExitCode {
    match serve_if_asked() {
        Some(exit) => exit,
        None => exit_code(program, measure()),
    }
}

/// For measuring binaries: if this process was started with [`SERVE_FLAG`],
/// run as a server and return its exit code.
pub fn serve_if_asked() -> Option<ExitCode> {
    let mut args = std::env::args().skip(1);
    (args.next().as_deref() == Some(SERVE_FLAG)).then(|| main(args, None))
}
