//! What the loop costs, measured by the `costs` binary: how late timers
//! fire with and without a flood of socket events, how long a pool job
//! takes from submission to its callback, and what one callback and one
//! round of the loop cost.

use std::cell::{Cell, RefCell};
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::event_loop::EventLoop;
use crate::listen::{self, listen};
use crate::nbio;

/// Delays for a timer chain, in µs: whole milliseconds.
pub const WHOLE_MS: [u64; 5] = [1_000, 2_000, 3_000, 4_000, 5_000];
/// Delays for a timer chain, in µs: fractions of milliseconds, for which
/// the rounding of `epoll_wait`'s timeout matters.
pub const FRACTIONS: [u64; 5] = [300, 1_000, 1_700, 2_500, 4_200];
/// Bytes per write of a flooding client, and per read of the loop.
const CHUNK: usize = 4096;
/// Flooding client threads; the connections are shared out among them.
const FLOOD_THREADS: usize = 2;

/// The 50th and 99th percentile and the largest of some samples.
#[derive(Clone, Copy, Debug)]
pub struct Percentiles {
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

pub fn percentiles(samples: &mut [Duration]) -> Percentiles {
    samples.sort_unstable();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples.get(i).copied().unwrap_or_default()
    };
    Percentiles {
        p50: at(0.50),
        p99: at(0.99),
        max: samples.last().copied().unwrap_or_default(),
    }
}

/// How late a chain of timers fired.
pub struct Lateness {
    /// Per timer: when its callback ran, minus its deadline.
    pub late: Vec<Duration>,
    /// Timers whose callback ran before their deadline.
    pub early: usize,
    /// Readable callbacks the flood caused meanwhile.
    pub flood_callbacks: u64,
    /// How long the chain took.
    pub elapsed: Duration,
}

// ANCHOR: lateness
/// Sets `timers` timers one after another, each from the callback of the
/// one before, with the `delays` (µs) in turn, and notes how late each
/// fired; meanwhile `flood` connections (0: none) send as fast as they can
/// to a callback that reads and discards.
pub fn timer_lateness(
    timers: usize,
    delays: &'static [u64],
    flood: usize,
) -> io::Result<Lateness> {
    let mut lp = EventLoop::new()?;
    let reads = Rc::new(Cell::new(0u64));
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let sink = Rc::clone(&reads);
    listen(&mut lp, listener, move |lp, stream| {
        discard(lp, stream, &sink);
    })?;
    let stop = Arc::new(AtomicBool::new(false));
    let clients = (0..FLOOD_THREADS.min(flood))
        .map(|t| {
            let connections = (t..flood).step_by(FLOOD_THREADS).count();
            let stop = Arc::clone(&stop);
            thread::spawn(move || send_until(addr, connections, &stop))
        })
        .collect::<Vec<_>>();
    if flood > 0 {
        // Let every flooding connection be accepted and start sending.
        lp.set_timeout(Duration::from_millis(200), |lp| lp.stop());
        lp.run()?;
        if reads.get() == 0 {
            return Err(io::Error::other("the flood did not start"));
        }
    }
    let late = Rc::new(RefCell::new(Vec::with_capacity(timers)));
    let early = Rc::new(Cell::new(0));
    let before = reads.get();
    let start = Instant::now();
    chain(
        &mut lp,
        0,
        timers,
        delays,
        Rc::clone(&late),
        Rc::clone(&early),
    );
    lp.run()?; // until the last timer stops it
    let elapsed = start.elapsed();
    let flood_callbacks = reads.get() - before;
    stop.store(true, Ordering::Relaxed);
    drop(lp); // closes the flood's server sockets: the clients' writes fail
    for client in clients {
        let _ = client.join();
    }
    let late = late.take();
    Ok(Lateness {
        late,
        early: early.get(),
        flood_callbacks,
        elapsed,
    })
}

/// Timer `i` of `n`: notes its lateness, sets the next one.
fn chain(
    lp: &mut EventLoop,
    i: usize,
    n: usize,
    delays: &'static [u64],
    late: Rc<RefCell<Vec<Duration>>>,
    early: Rc<Cell<usize>>,
) {
    let delay = Duration::from_micros(delays[i % delays.len()]);
    let deadline = Instant::now() + delay;
    lp.set_timeout_at(deadline, move |lp| {
        let now = Instant::now();
        if now < deadline {
            early.set(early.get() + 1);
        }
        late.borrow_mut()
            .push(now.saturating_duration_since(deadline));
        if i + 1 < n {
            chain(lp, i + 1, n, delays, late, early);
        } else {
            lp.stop();
        }
    });
}
// ANCHOR_END: lateness

/// A connection whose readable callback reads a chunk and drops it.
fn discard(lp: &mut EventLoop, stream: TcpStream, reads: &Rc<Cell<u64>>) {
    let Some(stream) = listen::prepare(stream) else {
        return;
    };
    let id = lp.add(Rc::clone(&stream));
    let reads = Rc::clone(reads);
    lp.on_readable(id, move |lp| {
        reads.set(reads.get() + 1);
        let mut buf = [0; CHUNK];
        match nbio::read(&stream, &mut buf) {
            Ok(Some(0)) | Err(_) => {
                lp.remove(id);
            }
            _ => {}
        }
    });
}

/// A flooding client thread: `connections` connections, each written to
/// in turn, until `stop` or until the server goes away.
fn send_until(
    addr: std::net::SocketAddr,
    connections: usize,
    stop: &AtomicBool,
) {
    let timeout = Some(Duration::from_secs(2));
    let mut streams: Vec<TcpStream> = (0..connections)
        .filter_map(|_| TcpStream::connect(addr).ok())
        .filter(|s| s.set_write_timeout(timeout).is_ok())
        .collect();
    let chunk = [0x5a; CHUNK];
    while !stop.load(Ordering::Relaxed) && !streams.is_empty() {
        streams.retain_mut(|s| s.write_all(&chunk).is_ok());
    }
    for mut s in streams {
        let _ = s.shutdown(std::net::Shutdown::Write);
        let _ = s.read(&mut [0; 1]);
    }
}

// ANCHOR: pool_round_trip
/// Submits `count` empty jobs one after another, each from the callback of
/// the one before, and notes how long each took from `spawn_blocking` to
/// its callback on the loop.
pub fn pool_round_trips(count: usize) -> io::Result<Vec<Duration>> {
    let mut lp = EventLoop::new()?;
    let samples = Rc::new(RefCell::new(Vec::with_capacity(count)));
    submit(&mut lp, count, Rc::clone(&samples));
    lp.run()?; // until no job is left
    Ok(samples.take())
}

fn submit(
    lp: &mut EventLoop,
    left: usize,
    samples: Rc<RefCell<Vec<Duration>>>,
) {
    if left == 0 {
        return;
    }
    let submitted = Instant::now();
    lp.spawn_blocking(
        || Ok(()),
        move |lp, _| {
            samples.borrow_mut().push(submitted.elapsed());
            submit(lp, left - 1, samples);
        },
    );
}
// ANCHOR_END: pool_round_trip

/// Time per immediate callback, `count` of them queued at once and run in
/// one round: the loop's cost of calling a boxed closure under
/// `catch_unwind`.
pub fn immediate_cost(count: usize) -> io::Result<Duration> {
    let mut lp = EventLoop::new()?;
    let ran = Rc::new(Cell::new(0usize));
    for _ in 0..count {
        let ran = Rc::clone(&ran);
        lp.set_immediate(move |_| ran.set(ran.get() + 1));
    }
    let start = Instant::now();
    lp.run()?;
    let elapsed = start.elapsed();
    assert_eq!(ran.get(), count);
    Ok(elapsed / count.max(1) as u32)
}

/// Time per round of a loop with nothing to wait for: `count` immediates,
/// each queued by the one before, so each gets a round of its own (timers,
/// a zero-timeout `epoll_wait`, immediates).
pub fn round_cost(count: usize) -> io::Result<Duration> {
    fn next(lp: &mut EventLoop, left: usize) {
        if left > 0 {
            lp.set_immediate(move |lp| next(lp, left - 1));
        }
    }
    let mut lp = EventLoop::new()?;
    next(&mut lp, count);
    let start = Instant::now();
    lp.run()?;
    Ok(start.elapsed() / count.max(1) as u32)
}
