//! Back-pressure, measured: a client sends and never reads. How much does
//! the server hold for it, and does anyone else notice? Usage: `hog`

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use ch06_epoll::client::{PATIENCE, connect, round_trip};
use ch06_epoll::conn::MAX_PENDING;
use ch06_epoll::event_loop;
use ch06_epoll::harness::{machine, units};
use ch06_epoll::launch::bind;

/// The byte at `offset` of the hog's stream.
fn pattern(offset: usize) -> u8 {
    (offset % 251) as u8
}

fn main() -> io::Result<()> {
    println!("{}", machine::line());
    let server = event_loop::spawn(bind("127.0.0.1:0")?)?;
    let mut bystander = connect(server.addr(), PATIENCE)?;
    let mut hog = connect(server.addr(), PATIENCE)?;
    let quiet = Duration::from_millis(200);
    println!(
        "a client sends without reading until the server has taken nothing \
         for {} ms",
        quiet.as_millis()
    );
    let written = write_until_stuck(&mut hog, quiet)?;
    let stats = server.handle().stats();
    println!("  the client wrote {}", mib(written));
    println!(
        "  the server holds {} for it (its limit: {})",
        units::kib(stats.buffered as f64 / 1024.0),
        units::kib(MAX_PENDING as f64 / 1024.0)
    );
    let started = Instant::now();
    round_trip(&mut bystander, b"anyone there?")?;
    println!(
        "  meanwhile another client's echo takes {:.2} ms",
        started.elapsed().as_secs_f64() * 1e3
    );

    hog.set_nonblocking(false)?;
    let mut echoed = vec![0; written];
    hog.read_exact(&mut echoed)?;
    let intact = echoed.iter().enumerate().all(|(i, &b)| b == pattern(i));
    println!(
        "then the client reads: {} come back, {}",
        mib(echoed.len()),
        if intact {
            "every byte as sent"
        } else {
            "CORRUPTED"
        }
    );
    Ok(())
}

/// Writes without reading until the socket has refused everything for
/// `quiet`. Returns the bytes written.
fn write_until_stuck(
    stream: &mut TcpStream,
    quiet: Duration,
) -> io::Result<usize> {
    stream.set_nonblocking(true)?;
    let (mut written, mut stuck_since) = (0, None);
    loop {
        let chunk: Vec<u8> = (written..written + 65536).map(pattern).collect();
        match stream.write(&chunk) {
            Ok(n) => {
                written += n;
                stuck_since = None;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                let since = *stuck_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= quiet {
                    return Ok(written);
                }
                thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e),
        }
    }
}

fn mib(bytes: usize) -> String {
    units::kib(bytes as f64 / 1024.0)
}
