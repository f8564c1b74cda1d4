//! Messages per second through each server under the load client: the
//! servers run as child processes (copies of this program), the load client
//! runs here. Each run also reports what the server spent per message: CPU
//! time and context switches, from `getrusage(RUSAGE_CHILDREN)` once the
//! server has exited.
//!
//! `load-bench`

use std::io;
use std::process::ExitCode;
use std::time::Duration;

use ch03_thread_per_connection::child::ServerProcess;
use ch03_thread_per_connection::harness::load::{self, LoadConfig};
use ch03_thread_per_connection::harness::units::grouped;
use ch03_thread_per_connection::harness::{limits, machine};
use ch03_thread_per_connection::launch::{self, ServerOptions};

/// Each run sends this many messages in all.
const MESSAGES: usize = 50_000;

/// One run: which server, how many connections, how many client threads
/// (each keeps one message in flight).
struct Run {
    name: &'static str,
    workers: Option<usize>,
    connections: usize,
    client_threads: usize,
}

const RUNS: [Run; 6] = [
    Run::threads(4, 4),
    Run {
        name: "pool of 4 threads",
        workers: Some(4),
        connections: 4,
        client_threads: 4,
    },
    Run::threads(100, 4),
    Run::threads(1000, 4),
    Run::threads(100, 100),
    Run::threads(1000, 100),
];

impl Run {
    const fn threads(connections: usize, client_threads: usize) -> Run {
        Run {
            name: "one thread per connection",
            workers: None,
            connections,
            client_threads,
        }
    }
}

/// CPU time and context switches of every child this process has waited
/// for, all their threads included.
#[derive(Clone, Copy)]
struct Usage {
    cpu: Duration,
    switches: u64,
}

fn children_usage() -> io::Result<Usage> {
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable `rusage` for the call to fill in.
    if unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) } == -1 {
        return Err(io::Error::last_os_error());
    }
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64)
            + Duration::from_micros(t.tv_usec as u64)
    };
    Ok(Usage {
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        switches: (usage.ru_nvcsw + usage.ru_nivcsw) as u64,
    })
}

// ANCHOR: bench
fn bench(run: &Run) -> io::Result<()> {
    let options = ServerOptions {
        workers: run.workers,
        ..ServerOptions::threads("127.0.0.1:0")
    };
    let before = children_usage()?;
    let server = ServerProcess::start_self(&options, false)?;
    let config = LoadConfig {
        connections: run.connections,
        messages: MESSAGES / run.connections,
        threads: run.client_threads,
        ..LoadConfig::new(server.addr())
    };
    println!(
        "\n{}: {} connections, {} client threads",
        run.name, config.connections, config.threads
    );
    println!(
        "  {} messages of {} bytes, at most {} in flight",
        config.connections * config.messages,
        config.message_size,
        config.threads.min(config.connections)
    );
    let summary = load::run(&config);
    // Kill the server and wait for it: then its usage counts as a child's.
    drop(server);
    let after = children_usage()?;
    for line in summary.to_string().lines() {
        println!("  {line}");
    }
    let messages = summary.messages_echoed.max(1) as f64;
    let cpu_us = (after.cpu - before.cpu).as_secs_f64() * 1e6 / messages;
    let switches = (after.switches - before.switches) as f64 / messages;
    println!(
        "  server, per message: {} µs of CPU time, context switches {} %",
        grouped(cpu_us, 1),
        grouped(100.0 * switches, 0)
    );
    Ok(())
}
// ANCHOR_END: bench

fn run() -> io::Result<()> {
    println!("{}", machine::line());
    limits::raise_fd_limit()?;
    RUNS.iter().try_for_each(bench)
}

fn main() -> ExitCode {
    launch::measuring_main("load-bench", run)
}
