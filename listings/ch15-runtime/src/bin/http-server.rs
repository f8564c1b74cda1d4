//! The chapter's HTTP server on our runtime: `GET /` answers `Hello,
//! world!` (the handler the benchmarks use), `POST /echo` returns the body.
//! It runs until SIGINT (Ctrl-C) or SIGTERM, then stops gracefully: no new
//! clients, requests in hand finished, idle connections closed, and what is
//! left after `--drain-ms` dropped.
//!
//! Usage: `http-server [--port 8080] [--flavor current-thread|multi-thread]
//! [--workers N] [--max-connections N] [--drain-ms N] [--max-fds N]`.
//! `--max-fds` lowers the descriptor limit once the server is listening,
//! as `ulimit -Sn` would, to watch it run out (EMFILE) and carry on. Prints the machine
//! line, then the address it listens on; and, when it stops, what it did
//! with the connections it had.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use ch15_runtime::harness::{self, args::Args};
use ch15_runtime::http::{self, Limits, Request, demo};
use ch15_runtime::net::TcpListener;
use ch15_runtime::runtime::Builder;
use ch15_runtime::signal;

const FLAGS: [&str; 6] = [
    "port",
    "flavor",
    "workers",
    "max-connections",
    "drain-ms",
    "max-fds",
];

fn main() {
    println!("{}", harness::machine::line());
    if let Err(e) = run() {
        eprintln!("http-server: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let args = Args::from_env(&FLAGS)?;
    let port: u16 = args.get_or("port", 8080)?;
    let flavor: String = args.get_or("flavor", "current-thread".into())?;
    let mut builder = match flavor.as_str() {
        "current-thread" => Builder::new_current_thread(),
        "multi-thread" => Builder::new_multi_thread(),
        other => {
            return Err(format!(
                "--flavor: {other:?} is neither current-thread nor \
                 multi-thread"
            ));
        }
    };
    if let Some(workers) = args.get::<usize>("workers")? {
        if workers == 0 {
            return Err("--workers: at least 1".into());
        }
        builder.worker_threads(workers);
    }
    let limits = Limits {
        max_connections: args.get_or("max-connections", 10_000)?,
        drain_timeout: Duration::from_millis(args.get_or("drain-ms", 10_000)?),
        ..Limits::default()
    };
    let max_fds: Option<u64> = args.get("max-fds")?;
    let runtime = builder.enable_all().build().map_err(|e| e.to_string())?;
    runtime
        .block_on(serve(port, &flavor, limits, max_fds))
        .map_err(|e| e.to_string())
}

// ANCHOR: main
async fn serve(
    port: u16,
    flavor: &str,
    limits: Limits,
    max_fds: Option<u64>,
) -> io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    // Watching from here on: SIGINT no longer ends the process abruptly.
    let stop_signal = signal::stop_signal()?;
    if let Some(max) = max_fds {
        harness::limits::lower_fd_limit(max)?;
    }
    println!("listening on {} ({flavor})", listener.local_addr()?);
    let stop = async {
        match stop_signal.await {
            Ok(signo) => println!("{}: stopping", name(signo)),
            Err(e) => eprintln!("watching signals failed ({e}): stopping"),
        }
    };
    let router = demo();
    let handler = Arc::new(move |request: &Request<'_>| router.handle(request));
    let stopped = http::serve(listener, handler, limits, stop).await?;
    println!(
        "stopped: {} connections finished, {} dropped",
        stopped.finished, stopped.dropped
    );
    Ok(())
}
// ANCHOR_END: main

fn name(signo: libc::c_int) -> &'static str {
    match signo {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}
