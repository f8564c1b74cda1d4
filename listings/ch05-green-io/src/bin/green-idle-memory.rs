//! Memory per idle connection of the green echo server, measured the way
//! chapter 3 measures its thread-per-connection server.
//!
//! Starts the server as a child process (a copy of this program), opens the
//! connections from this process, lets each echo one byte (so its green
//! thread has run and is parked in `read`), and reads the server's
//! `/proc/<pid>/status` and `/proc/<pid>/maps` before and after.
//!
//! `idle-memory [N ...]` (default: 1000 10000)

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use ch05_green_io::harness::limits::raise_fd_limit;
use ch05_green_io::harness::machine;
use ch05_green_io::server::{ServerProcess, serve_if_asked};
use ch05_green_io::spawn::DEFAULT_STACK_SIZE;

fn main() -> io::Result<()> {
    if let Some(served) = serve_if_asked() {
        return served;
    }
    let counts: Vec<u64> = std::env::args()
        .skip(1)
        .map(|arg| {
            arg.parse()
                .map_err(|_| io::Error::other("usage: idle-memory [N ...]"))
        })
        .collect::<io::Result<_>>()?;
    let counts = if counts.is_empty() {
        vec![1000, 10_000]
    } else {
        counts
    };
    println!("{}", machine::line());
    // Our side of the connections needs as many descriptors as the server's.
    raise_fd_limit()?;
    println!(
        "server: one green thread per connection, {} KiB stacks, in a child process",
        DEFAULT_STACK_SIZE / 1024
    );
    for connections in counts {
        measure(connections)?;
    }
    Ok(())
}

// ANCHOR: measure
fn measure(connections: u64) -> io::Result<()> {
    let server = ServerProcess::start()?;
    let before = server.status()?;
    let maps_before = server.map_count()?;
    let started = Instant::now();
    let clients = (0..connections)
        .map(|_| open_idle_connection(&server))
        .collect::<io::Result<Vec<_>>>()?;
    let opened = started.elapsed();
    let after = server.status()?;
    let maps_after = server.map_count()?;
    // ANCHOR_END: measure

    let n = connections as f64;
    let per_connection =
        |before: u64, after: u64| kib((after as f64 - before as f64) / n);
    println!(
        "{connections} idle connections, opened in {:.1} ms:",
        opened.as_secs_f64() * 1e3
    );
    println!(
        "  server threads: {} before, {} after",
        before.threads, after.threads
    );
    let rows = [
        ("VmRSS", before.vm_rss_kib, after.vm_rss_kib),
        ("VmSize", before.vm_size_kib, after.vm_size_kib),
        ("VmPTE", before.vm_pte_kib, after.vm_pte_kib),
    ];
    for (name, before, after) in rows {
        println!(
            "  {name}: {} before, {} after, {} per connection",
            kib(before as f64),
            kib(after as f64),
            per_connection(before, after)
        );
    }
    println!(
        "  memory maps: {:.1} more per connection",
        (maps_after as f64 - maps_before as f64) / n
    );
    drop(clients);
    Ok(())
}

fn open_idle_connection(server: &ServerProcess) -> io::Result<TcpStream> {
    let mut stream =
        TcpStream::connect_timeout(&server.addr(), Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(b"x")?;
    stream.read_exact(&mut [0])?;
    Ok(stream)
}

/// `1536` KiB -> `"1.5 MiB"` (as chapter 3 prints sizes).
fn kib(kib: f64) -> String {
    if kib.abs() >= 1024.0 * 1024.0 {
        format!("{:.1} GiB", kib / (1024.0 * 1024.0))
    } else if kib.abs() >= 1024.0 {
        format!("{:.1} MiB", kib / 1024.0)
    } else {
        format!("{kib:.1} KiB")
    }
}
