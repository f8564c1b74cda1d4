//! A peer that sends and never reads, against tokio's echo server on the
//! reactor: the handler's `write_all` waits, its task is parked, and the
//! server's memory and CPU stay flat while the kernel's socket buffers
//! absorb the flood. A bystander is served meanwhile; when the hog reads
//! at last, every byte comes back.
//!
//! Usage: `reactor-hog`.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use ch12_reactor::client::{PATIENCE, connect, round_trip};
use ch12_reactor::compare::{self, Kind};
use ch12_reactor::harness::{machine, units};

const MIB: f64 = 1024.0 * 1024.0;

/// Writes until neither direction takes more for 100 ms in a row.
fn push_until_stuck(stream: &mut TcpStream) -> io::Result<usize> {
    stream.set_nonblocking(true)?;
    let chunk = [7u8; 64 * 1024];
    let deadline = Instant::now() + PATIENCE;
    let (mut pushed, mut refused_in_a_row) = (0, 0);
    while refused_in_a_row < 100 {
        if Instant::now() > deadline {
            return Err(io::Error::other("the buffers never filled"));
        }
        match stream.write(&chunk) {
            Ok(n) => (pushed, refused_in_a_row) = (pushed + n, 0),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                refused_in_a_row += 1;
                thread::sleep(Duration::from_millis(1));
            }
            Err(e) => return Err(e),
        }
    }
    stream.set_nonblocking(false)?;
    Ok(pushed)
}

fn run() -> io::Result<()> {
    println!("{}", machine::line());
    println!(
        "the echo server runs in a child process; this one is the hog and a bystander"
    );
    let server = Kind::Reactor.start(None)?;
    let rss_before = server.status()?.vm_rss_kib;
    let mut hog = connect(server.addr(), PATIENCE)?;
    let pushed = push_until_stuck(&mut hog)?;
    println!(
        "the hog pushed {} MiB without reading, until neither direction took more",
        units::grouped(pushed as f64 / MIB, 1)
    );
    let cpu_before = server.cpu_time()?;
    thread::sleep(Duration::from_secs(1));
    let cpu = server.cpu_time()? - cpu_before;
    let grown = server.status()?.vm_rss_kib as f64 - rss_before as f64;
    println!(
        "the server meanwhile: VmRSS {} more, {} ms of CPU in the next second",
        units::kib(grown),
        units::grouped(cpu.as_secs_f64() * 1e3, 0)
    );
    let mut bystander = connect(server.addr(), PATIENCE)?;
    let start = Instant::now();
    round_trip(&mut bystander, b"still there?")?;
    println!(
        "a bystander's echo took {} ms",
        units::grouped(start.elapsed().as_secs_f64() * 1e3, 2)
    );
    hog.shutdown(Shutdown::Write)?;
    let mut echoed = Vec::with_capacity(pushed);
    hog.read_to_end(&mut echoed)?;
    let intact = echoed.len() == pushed && echoed.iter().all(|&b| b == 7);
    println!(
        "the hog reads at last: {} MiB back, {}",
        units::grouped(echoed.len() as f64 / MIB, 1),
        if intact {
            "every byte"
        } else {
            "NOT what it sent"
        }
    );
    Ok(())
}

fn main() -> ExitCode {
    if let Some(served) = compare::serve_if_asked() {
        eprintln!("server: {served:?}");
        return ExitCode::FAILURE;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("reactor-hog: {e}");
            ExitCode::FAILURE
        }
    }
}
