//! A small load client for echo servers: opens `connections` connections,
//! sends `messages` messages on each and checks every echo byte for byte.
//!
//! This module stands alone (std only, nothing from the rest of the crate) so
//! later chapters can copy it: build a [`LoadConfig`], call [`run`], read the
//! [`LoadSummary`].
//!
//! The connections are shared out among `threads` client threads. Each thread
//! opens its share, then goes round them: send a message on one, wait for its
//! echo, move on to the next. A connection that fails (refused, reset, timed
//! out, wrong bytes) counts one error and is dropped; the run goes on with the
//! others.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

// ANCHOR: config
/// What load to put on an echo server.
#[derive(Clone, Debug)]
pub struct LoadConfig {
    /// The server's address.
    pub addr: SocketAddr,
    /// Connections to open.
    pub connections: usize,
    /// Messages to send (and have echoed) on each connection.
    pub messages: usize,
    /// Bytes per message.
    pub message_size: usize,
    /// Client threads sharing the connections; each has one message in flight.
    pub threads: usize,
    /// How long to keep every connection open, idle, after the last message.
    pub hold: Duration,
    /// Limit on each connect, write and read.
    pub timeout: Duration,
    /// Print progress to standard error this often (`None`: never).
    pub progress_every: Option<Duration>,
}

impl LoadConfig {
    /// 10 connections × 100 messages of 64 bytes, 4 threads, no hold.
    pub fn new(addr: SocketAddr) -> Self {
        LoadConfig {
            addr,
            connections: 10,
            messages: 100,
            message_size: 64,
            threads: 4,
            hold: Duration::ZERO,
            timeout: Duration::from_secs(5),
            progress_every: None,
        }
    }
}

/// What a run achieved.
#[derive(Clone, Debug)]
pub struct LoadSummary {
    /// Connections that were opened.
    pub connections_made: u64,
    /// Messages whose echo came back intact.
    pub messages_echoed: u64,
    /// Failed connects, reads, writes and wrong echoes.
    pub errors: u64,
    /// The first error, to say what went wrong.
    pub first_error: Option<String>,
    /// Time to open the connections.
    pub connect_time: Duration,
    /// Time from the first message sent to the last echo received.
    pub message_time: Duration,
}
// ANCHOR_END: config

impl LoadSummary {
    /// Echoed messages per second of message time.
    pub fn messages_per_sec(&self) -> f64 {
        self.messages_echoed as f64 / self.message_time.as_secs_f64().max(1e-9)
    }
}

impl fmt::Display for LoadSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "connections made: {}", self.connections_made)?;
        writeln!(f, "messages echoed: {}", self.messages_echoed)?;
        write!(f, "errors: {}", self.errors)?;
        if let Some(first) = &self.first_error {
            write!(f, " (first: {first})")?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "connect time: {:.1} ms",
            self.connect_time.as_secs_f64() * 1e3
        )?;
        write!(
            f,
            "message time: {:.1} ms, {:.0} msg/s",
            self.message_time.as_secs_f64() * 1e3,
            self.messages_per_sec()
        )
    }
}

/// Counters the client threads share.
#[derive(Default)]
struct Tally {
    made: AtomicU64,
    echoed: AtomicU64,
    errors: AtomicU64,
    first_error: Mutex<Option<String>>,
}

impl Tally {
    fn error(&self, what: &str, e: &io::Error) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut first =
            self.first_error.lock().unwrap_or_else(|p| p.into_inner());
        first.get_or_insert_with(|| format!("{what}: {e}"));
    }
}

// ANCHOR: run
/// Runs the load described by `config` and reports what it achieved.
pub fn run(config: &LoadConfig) -> LoadSummary {
    let threads = config.threads.clamp(1, config.connections.max(1));
    let tally = Arc::new(Tally::default());
    // The client threads and this one meet twice: when every connection is
    // open (messages start), and when every thread has finished its messages.
    let open = Arc::new(Barrier::new(threads + 1));
    let done = Arc::new(Barrier::new(threads + 1));
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let ids: Vec<usize> =
                (t..config.connections).step_by(threads).collect();
            let (config, tally) = (config.clone(), Arc::clone(&tally));
            let (open, done) = (Arc::clone(&open), Arc::clone(&done));
            thread::spawn(move || {
                let mut conns = connect_all(&config, &ids, &tally);
                open.wait();
                exchange(&config, &mut conns, &tally);
                done.wait();
                conns // kept open by the caller during the hold
            })
        })
        .collect();
    open.wait();
    let connect_time = started.elapsed();
    let messages_started = Instant::now();
    report_progress_until(&done, config, &tally, messages_started);
    let message_time = messages_started.elapsed();
    let held: Vec<_> =
        workers.into_iter().filter_map(|w| w.join().ok()).collect();
    thread::sleep(config.hold);
    drop(held);
    let first_error = tally
        .first_error
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    LoadSummary {
        connections_made: tally.made.load(Ordering::Relaxed),
        messages_echoed: tally.echoed.load(Ordering::Relaxed),
        errors: tally.errors.load(Ordering::Relaxed),
        first_error,
        connect_time,
        message_time,
    }
}
// ANCHOR_END: run

/// A client connection: its number (which fixes its message bytes) and socket.
type Conn = (usize, TcpStream);

fn connect_all(
    config: &LoadConfig,
    ids: &[usize],
    tally: &Tally,
) -> Vec<Option<Conn>> {
    ids.iter()
        .map(|&id| match connect(config) {
            Ok(stream) => {
                tally.made.fetch_add(1, Ordering::Relaxed);
                Some((id, stream))
            }
            Err(e) => {
                tally.error("connect", &e);
                None
            }
        })
        .collect()
}

fn connect(config: &LoadConfig) -> io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&config.addr, config.timeout)?;
    stream.set_read_timeout(Some(config.timeout))?;
    stream.set_write_timeout(Some(config.timeout))?;
    stream.set_nodelay(true)?; // small messages: send each at once
    Ok(stream)
}

/// Sends every message round-robin over `conns`, dropping failed connections.
fn exchange(config: &LoadConfig, conns: &mut [Option<Conn>], tally: &Tally) {
    let mut sent = vec![0u8; config.message_size];
    let mut received = vec![0u8; config.message_size];
    for round in 0..config.messages {
        for slot in conns.iter_mut() {
            let Some((id, stream)) = slot else { continue };
            fill(&mut sent, *id, round);
            match round_trip(stream, &sent, &mut received) {
                Ok(()) => {
                    tally.echoed.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    tally.error("echo", &e);
                    *slot = None; // closes the connection
                }
            }
        }
    }
}

fn round_trip(
    stream: &mut TcpStream,
    sent: &[u8],
    received: &mut [u8],
) -> io::Result<()> {
    stream.write_all(sent).map_err(name_timeout)?;
    stream.read_exact(received).map_err(name_timeout)?;
    if sent != received {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "echo differs from message",
        ));
    }
    Ok(())
}

/// A socket timeout shows up as `WouldBlock` ("Resource temporarily
/// unavailable"); say what it means.
fn name_timeout(e: io::Error) -> io::Error {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            io::Error::new(io::ErrorKind::TimedOut, "timed out")
        }
        _ => e,
    }
}

/// Message bytes that differ between connections and rounds, so an echo sent
/// to the wrong client or out of order is caught.
fn fill(message: &mut [u8], id: usize, round: usize) {
    for (i, byte) in message.iter_mut().enumerate() {
        *byte = (id.wrapping_mul(31) ^ round.wrapping_mul(7) ^ i) as u8;
    }
}

/// Waits at `done`, printing progress meanwhile if the config asks for it.
fn report_progress_until(
    done: &Barrier,
    config: &LoadConfig,
    tally: &Arc<Tally>,
    since: Instant,
) {
    let Some(every) = config.progress_every else {
        done.wait();
        return;
    };
    let total = (config.connections * config.messages) as u64;
    let tally = Arc::clone(tally);
    // A reporter thread, since a `Barrier` cannot be waited on with a timeout.
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let reporter = thread::spawn(move || {
        while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
            stopped.recv_timeout(every)
        {
            let echoed = tally.echoed.load(Ordering::Relaxed);
            let rate = echoed as f64 / since.elapsed().as_secs_f64();
            eprintln!(
                "progress: {echoed} of {total} messages echoed, {rate:.0} msg/s"
            );
        }
    });
    done.wait();
    drop(stop);
    let _ = reporter.join();
}
