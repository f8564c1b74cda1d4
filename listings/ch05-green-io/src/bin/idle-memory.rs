//! Memory per idle connection of the green echo server. Starts the server as
//! a child process, opens N connections (each echoes one byte, so its green
//! thread has run and is parked in `read`), and reads the child's
//! `/proc/<pid>/status` before and after.
//! Usage: `idle-memory [N ...]` (default: 1000 10000).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use ch05_green_io::measure::{machine_line, raise_fd_limit};
use ch05_green_io::server::{ServerProcess, serve_if_asked};
use ch05_green_io::spawn::DEFAULT_STACK_SIZE;

fn main() -> io::Result<()> {
    if let Some(served) = serve_if_asked() {
        return served;
    }
    let counts: Vec<usize> = std::env::args()
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
    raise_fd_limit()?; // our side of the connections needs descriptors too
    println!("{}", machine_line());
    println!(
        "green echo server in a child process, {} KiB stacks; every connection echoed 1 byte, then idles",
        DEFAULT_STACK_SIZE / 1024
    );
    for count in counts {
        measure(count)?;
    }
    Ok(())
}

// ANCHOR: measure
fn measure(count: usize) -> io::Result<()> {
    let server = ServerProcess::start()?;
    let before = server.memory()?;
    let connections = (0..count)
        .map(|_| open_idle_connection(&server))
        .collect::<io::Result<Vec<_>>>()?;
    let after = server.memory()?;
    let per = |grown: u64| grown as f64 / count as f64;
    let rss = after.rss_kib.saturating_sub(before.rss_kib);
    let size = after.size_kib.saturating_sub(before.size_kib);
    println!(
        "{count} idle connections: VmRSS grew {} ({:.1} KiB per connection), \
         VmSize grew {} ({:.1} KiB per connection)",
        mib(rss),
        per(rss),
        mib(size),
        per(size)
    );
    drop(connections);
    Ok(())
}
// ANCHOR_END: measure

fn open_idle_connection(server: &ServerProcess) -> io::Result<TcpStream> {
    let mut stream = TcpStream::connect_timeout(&server.addr(), Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(b"x")?;
    stream.read_exact(&mut [0])?;
    Ok(stream)
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}
