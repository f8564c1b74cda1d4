//! The measuring client: opens its connections first, then sends messages
//! round-robin over them and checks every echo, between two snapshots of
//! the system-call counters.
//!
//! It does what the harness's load client does, with one addition the
//! harness lacks: a hook at the moment every connection is open and no
//! message has been sent, so that the counts cover the messages alone,
//! not the accepts and setup of each connection.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use crate::count::{self, Counts};

/// What load to put on an echo server.
#[derive(Clone, Debug)]
pub struct Bench {
    pub connections: usize,
    /// Messages per connection.
    pub messages: usize,
    pub message_size: usize,
    /// Client threads; each has one message in flight at a time.
    pub threads: usize,
    /// Limit on each connect, write and read.
    pub timeout: Duration,
}

/// What one run measured.
#[derive(Clone, Debug)]
pub struct Measured {
    /// Messages whose echo came back intact.
    pub messages: u64,
    /// From the first message sent to the last echo received.
    pub elapsed: Duration,
    /// System calls the server's wrappers counted meanwhile.
    pub syscalls: Counts,
}

impl Measured {
    pub fn per_second(&self) -> f64 {
        self.messages as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// System calls per echoed message.
    pub fn syscalls_per_message(&self, counts: u64) -> f64 {
        counts as f64 / self.messages.max(1) as f64
    }
}

// ANCHOR: run
/// Runs `bench` against `addr`. `when_open` runs once every connection is
/// open and before any message is sent.
pub fn run(
    addr: SocketAddr,
    bench: &Bench,
    when_open: impl FnOnce(),
) -> io::Result<Measured> {
    let threads = bench.threads.clamp(1, bench.connections.max(1));
    let open = Arc::new(Barrier::new(threads + 1));
    let go = Arc::new(Barrier::new(threads + 1));
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let ids: Vec<usize> =
                (t..bench.connections).step_by(threads).collect();
            let (bench, open, go) =
                (bench.clone(), Arc::clone(&open), Arc::clone(&go));
            thread::spawn(move || {
                let conns = connect_all(addr, &bench, &ids);
                open.wait();
                go.wait();
                exchange(&bench, conns?)
            })
        })
        .collect();
    open.wait();
    when_open();
    let before = count::snapshot();
    let started = Instant::now();
    go.wait();
    let mut messages = 0;
    let mut first_error = None;
    // Kept open until the counters are read: a close would make the
    // server read an end of stream, and deregister, within the count.
    let mut open_conns = Vec::new();
    for worker in workers {
        match worker.join() {
            Ok(Ok((echoed, conns))) => {
                messages += echoed;
                open_conns.push(conns);
            }
            Ok(Err(e)) => first_error = first_error.or(Some(e)),
            Err(_) => {
                first_error = Some(io::Error::other("a client panicked"));
            }
        }
    }
    let elapsed = started.elapsed();
    // The server may still be starting the next recv of the last echoed
    // connections: let it finish before the counters are read.
    thread::sleep(Duration::from_millis(20));
    let syscalls = count::snapshot() - before;
    drop(open_conns);
    match first_error {
        Some(e) => Err(e),
        None => Ok(Measured {
            messages,
            elapsed,
            syscalls,
        }),
    }
}
// ANCHOR_END: run

fn connect_all(
    addr: SocketAddr,
    bench: &Bench,
    ids: &[usize],
) -> io::Result<Conns> {
    ids.iter()
        .map(|&id| {
            let stream = TcpStream::connect_timeout(&addr, bench.timeout)?;
            stream.set_read_timeout(Some(bench.timeout))?;
            stream.set_write_timeout(Some(bench.timeout))?;
            stream.set_nodelay(true)?;
            Ok((id, stream))
        })
        .collect()
}

/// A client thread's connections: a number (which fixes the bytes of its
/// messages) and a socket.
type Conns = Vec<(usize, TcpStream)>;

/// Sends every message round-robin over `conns`; returns how many came
/// back intact, and the connections, still open. Any failure ends the run:
/// a benchmark of a server that drops clients would measure nothing useful.
fn exchange(bench: &Bench, mut conns: Conns) -> io::Result<(u64, Conns)> {
    let mut sent = vec![0u8; bench.message_size];
    let mut received = vec![0u8; bench.message_size];
    let mut echoed = 0;
    for round in 0..bench.messages {
        for (id, stream) in &mut conns {
            for (i, byte) in sent.iter_mut().enumerate() {
                *byte = (*id ^ round.wrapping_mul(7) ^ i) as u8;
            }
            stream.write_all(&sent)?;
            stream.read_exact(&mut received)?;
            if sent != received {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "echo differs from message",
                ));
            }
            echoed += 1;
        }
    }
    Ok((echoed, conns))
}
