//! A measuring client for the system-call counts: it opens every
//! connection first, lets the caller read the server's counters, then
//! sends its messages and checks every echo, and lets the caller read the
//! counters again. The harness's load client does the same minus the pause
//! between opening and sending, which this measurement needs: accepting and
//! registering a connection are not part of echoing a message.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

/// What load to put on an echo server.
#[derive(Clone, Debug)]
pub struct Bench {
    pub connections: usize,
    /// Messages per connection.
    pub messages: usize,
    pub message_size: usize,
    /// Client threads; each has one message in flight at a time, and goes
    /// round its share of the connections.
    pub threads: usize,
}

/// Runs `bench` against `addr`: `between` runs once every connection is
/// open, and again once every echo is back, before any connection closes.
/// Returns how many messages were echoed, and in what time.
pub fn run(
    addr: SocketAddr,
    bench: &Bench,
    mut between: impl FnMut(),
) -> io::Result<(u64, Duration)> {
    let threads = bench.threads.clamp(1, bench.connections.max(1));
    // The clients and this thread meet when every connection is open, when
    // the first counters are read, and when every echo is back.
    let barrier = Arc::new(Barrier::new(threads + 1));
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let share = (t..bench.connections).step_by(threads).count();
            let (bench, barrier) = (bench.clone(), Arc::clone(&barrier));
            thread::spawn(move || -> io::Result<u64> {
                let mut opened: io::Result<Vec<_>> =
                    (0..share).map(|_| open(addr)).collect();
                barrier.wait();
                barrier.wait();
                let echoed = match &mut opened {
                    Ok(conns) => exchange(&bench, conns),
                    Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
                };
                barrier.wait();
                // Closed only now, after the second reading.
                barrier.wait();
                drop(opened);
                echoed
            })
        })
        .collect();
    barrier.wait();
    between();
    let start = Instant::now();
    barrier.wait();
    barrier.wait();
    let elapsed = start.elapsed();
    // The server may still be finishing the read after the last echo.
    thread::sleep(Duration::from_millis(20));
    between();
    barrier.wait();
    let mut messages = 0;
    for worker in workers {
        messages += worker
            .join()
            .map_err(|_| io::Error::other("a client thread panicked"))??;
    }
    Ok((messages, elapsed))
}

fn open(addr: SocketAddr) -> io::Result<TcpStream> {
    let timeout = Duration::from_secs(5);
    let stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Sends every message round-robin over `conns`, one at a time, and
/// checks each echo; any failure ends the run.
fn exchange(bench: &Bench, conns: &mut [TcpStream]) -> io::Result<u64> {
    let mut message = vec![0u8; bench.message_size];
    let mut echo = vec![0u8; bench.message_size];
    let mut echoed = 0;
    for round in 0..bench.messages {
        for (i, conn) in conns.iter_mut().enumerate() {
            message.fill((round + i) as u8);
            conn.write_all(&message)?;
            conn.read_exact(&mut echo)?;
            if echo != message {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the echo differs from the message",
                ));
            }
            echoed += 1;
        }
    }
    Ok(echoed)
}
