//! Memory per idle connection of the thread-per-connection server.
//!
//! Starts the server as a child process (a copy of this program), opens the
//! connections from this process, lets each echo one byte, waits until the
//! server has one thread per connection, and reads the server's
//! `/proc/<pid>/status` before and after.
//!
//! `idle-memory [--connections 1000,10000]`

use std::io;
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use ch03_thread_per_connection::child::ServerProcess;
use ch03_thread_per_connection::client::{PATIENCE, connect, round_trip};
use ch03_thread_per_connection::harness::args::Args;
use ch03_thread_per_connection::harness::units::kib;
use ch03_thread_per_connection::harness::{limits, machine, procfs};
use ch03_thread_per_connection::launch::{self, ServerOptions};
use ch03_thread_per_connection::server;

/// How long the server may take to have started every connection's thread.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(60);

// ANCHOR: measure
fn measure(connections: u64) -> io::Result<()> {
    let server = ServerProcess::start_self(
        &ServerOptions::threads("127.0.0.1:0"),
        false,
    )?;
    let before = server.status()?;
    let maps_before = server.map_count()?;
    let kernel_stacks_before = procfs::meminfo_kib("KernelStack")?;

    let started = Instant::now();
    let clients = (0..connections)
        .map(|_| {
            let mut client = connect(server.addr(), PATIENCE)?;
            round_trip(&mut client, b"x")?; // its thread now waits in `read`
            Ok(client)
        })
        .collect::<io::Result<Vec<TcpStream>>>()?;
    let opened = started.elapsed();
    let after = server
        .wait_for_threads(before.threads + connections, SETTLE_TIMEOUT)?;
    let maps_after = server.map_count()?;
    let kernel_stacks_after = procfs::meminfo_kib("KernelStack")?;
    // ANCHOR_END: measure

    let n = connections as f64;
    println!(
        "{connections} idle connections, opened in {:.1} ms:",
        opened.as_secs_f64() * 1e3
    );
    println!(
        "  server threads: {} before, {} after",
        before.threads, after.threads
    );
    let per_connection =
        |before: u64, after: u64| kib((after as f64 - before as f64) / n);
    let growth = [
        ("VmRSS", before.vm_rss_kib, after.vm_rss_kib),
        ("VmSize", before.vm_size_kib, after.vm_size_kib),
        ("VmPTE", before.vm_pte_kib, after.vm_pte_kib),
    ];
    for (field, before, after) in growth {
        println!(
            "  {field}: {} before, {} after, {} per connection",
            kib(before as f64),
            kib(after as f64),
            per_connection(before, after)
        );
    }
    println!(
        "  memory maps: {} more, {} per connection",
        maps_after - maps_before,
        (maps_after - maps_before) as f64 / n
    );
    println!(
        "  kernel stacks (KernelStack, whole machine): {} per connection",
        per_connection(kernel_stacks_before, kernel_stacks_after)
    );
    drop(clients);
    drop(server); // kills the server and waits for it
    Ok(())
}

fn run() -> io::Result<()> {
    let usage = |e| io::Error::new(io::ErrorKind::InvalidInput, e);
    let args = Args::from_env(&["connections"]).map_err(usage)?;
    let counts: String = args
        .get_or("connections", "1000,10000".into())
        .map_err(usage)?;
    println!("{}", machine::line());
    // 10,000 connections need 10,000 descriptors here and as many in the server.
    limits::raise_fd_limit()?;
    println!(
        "server: one thread per connection, {} stacks, in a child process",
        kib((server::STACK_SIZE / 1024) as f64)
    );
    for count in counts.split(',') {
        measure(
            count
                .trim()
                .parse()
                .map_err(|_| usage(format!("bad count {count:?}")))?,
        )?;
    }
    Ok(())
}

fn main() -> ExitCode {
    launch::measuring_main("idle-memory", run)
}
