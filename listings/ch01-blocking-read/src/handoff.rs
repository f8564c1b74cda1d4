//! Ping-pong between two OS threads: each hand-off wakes the other thread
//! and puts this one to sleep.

use crate::sys::{self, ContextSwitches};
use std::hint::black_box;
use std::io;
use std::os::fd::OwnedFd;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

// ANCHOR: endpoint
/// One end of a two-way connection between the two threads, carrying bytes.
pub trait Endpoint: Send + 'static {
    fn send(&mut self, byte: u8) -> io::Result<()>;
    /// Blocks until the other thread sent a byte.
    fn recv(&mut self) -> io::Result<u8>;
}
// ANCHOR_END: endpoint

/// An endpoint made of two pipes: one to write to, one to read from.
pub struct PipeEnd {
    to_peer: OwnedFd,
    from_peer: OwnedFd,
}

// ANCHOR: pipe_end
impl Endpoint for PipeEnd {
    fn send(&mut self, byte: u8) -> io::Result<()> {
        sys::write_all(&self.to_peer, &[byte])
    }

    fn recv(&mut self) -> io::Result<u8> {
        let mut byte = [0u8; 1];
        match sys::read(&self.from_peer, &mut byte)? {
            1 => Ok(byte[0]),
            _ => Err(io::ErrorKind::UnexpectedEof.into()),
        }
    }
}
// ANCHOR_END: pipe_end

/// Two connected [`PipeEnd`]s.
pub fn pipe_pair() -> io::Result<(PipeEnd, PipeEnd)> {
    let (there, back) = (sys::pipe()?, sys::pipe()?);
    Ok((
        PipeEnd {
            to_peer: there.writer,
            from_peer: back.reader,
        },
        PipeEnd {
            to_peer: back.writer,
            from_peer: there.reader,
        },
    ))
}

/// An endpoint that talks to itself through one pipe: `recv` gets back what
/// `send` just wrote, so it never has to wait.
pub fn pipe_loopback() -> io::Result<PipeEnd> {
    let pipe = sys::pipe()?;
    Ok(PipeEnd {
        to_peer: pipe.writer,
        from_peer: pipe.reader,
    })
}

/// An endpoint made of two `std::sync::mpsc` channels.
pub struct ChannelEnd {
    to_peer: mpsc::Sender<u8>,
    from_peer: mpsc::Receiver<u8>,
}

// ANCHOR: channel_end
impl Endpoint for ChannelEnd {
    fn send(&mut self, byte: u8) -> io::Result<()> {
        self.to_peer
            .send(byte)
            .map_err(|_| io::ErrorKind::BrokenPipe.into())
    }

    fn recv(&mut self) -> io::Result<u8> {
        self.from_peer
            .recv()
            .map_err(|_| io::ErrorKind::UnexpectedEof.into())
    }
}
// ANCHOR_END: channel_end

/// Two connected [`ChannelEnd`]s.
pub fn channel_pair() -> (ChannelEnd, ChannelEnd) {
    let ((to_b, from_a), (to_a, from_b)) = (mpsc::channel(), mpsc::channel());
    (
        ChannelEnd {
            to_peer: to_b,
            from_peer: from_b,
        },
        ChannelEnd {
            to_peer: to_a,
            from_peer: from_a,
        },
    )
}

/// The channel version of [`pipe_loopback`]: one channel, both ends here.
pub fn channel_loopback() -> ChannelEnd {
    let (to_self, from_self) = mpsc::channel();
    ChannelEnd {
        to_peer: to_self,
        from_peer: from_self,
    }
}

/// Where the two threads run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Both pinned to this CPU: every hand-off is a context switch on it.
    SameCpu(usize),
    /// Pinned to two different CPUs: every hand-off wakes the other CPU.
    DifferentCpus(usize, usize),
    /// Wherever the scheduler puts them.
    Unpinned,
}

impl Placement {
    /// The CPUs of the pinger and of the ponger, if pinned.
    pub fn cpus(self) -> (Option<usize>, Option<usize>) {
        match self {
            Placement::SameCpu(cpu) => (Some(cpu), Some(cpu)),
            Placement::DifferentCpus(a, b) => (Some(a), Some(b)),
            Placement::Unpinned => (None, None),
        }
    }
}

/// What a ping-pong measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// One-way hand-offs made: two per round.
    pub hand_offs: u64,
    pub elapsed: Duration,
    /// Context switches of both threads during the rounds.
    pub switches: ContextSwitches,
}

impl Report {
    /// Nanoseconds per one-way hand-off.
    pub fn ns_per_hand_off(&self) -> f64 {
        self.elapsed.as_nanos() as f64 / self.hand_offs.max(1) as f64
    }

    /// Voluntary context switches (a thread blocked) per hand-off, in %.
    pub fn voluntary_percent(&self) -> f64 {
        100.0 * self.switches.voluntary as f64 / self.hand_offs.max(1) as f64
    }

    /// Involuntary context switches (a thread was preempted) per hand-off,
    /// in %.
    pub fn involuntary_percent(&self) -> f64 {
        100.0 * self.switches.involuntary as f64 / self.hand_offs.max(1) as f64
    }
}

/// Pins the calling thread (if asked to), runs `work`, and returns its result
/// with the context switches it cost this thread.
pub fn pinned<T>(
    cpu: Option<usize>,
    work: impl FnOnce() -> io::Result<T>,
) -> io::Result<(T, ContextSwitches)> {
    if let Some(cpu) = cpu {
        sys::pin_to_cpu(cpu)?;
    }
    let before = sys::thread_context_switches()?;
    let result = work()?;
    let after = sys::thread_context_switches()?;
    Ok((result, after - before))
}

/// Joins a ping-pong thread, turning a panic into an error.
pub fn join_thread<T>(
    handle: thread::JoinHandle<io::Result<T>>,
) -> io::Result<T> {
    handle
        .join()
        .map_err(|_| io::Error::other("a ping-pong thread panicked"))?
}

// ANCHOR: players
/// The ponger: answers every byte with the byte plus one, until the other
/// end hangs up.
pub fn pong<E: Endpoint>(mut end: E) -> io::Result<()> {
    loop {
        match end.recv() {
            Ok(byte) => end.send(byte.wrapping_add(1))?,
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

/// The pinger: sends a byte `rounds` times and checks every answer.
/// Returns how long the rounds took, after one untimed round that makes
/// sure both threads are up and running where they should.
pub fn ping<E: Endpoint>(mut end: E, rounds: u64) -> io::Result<Duration> {
    let mut began = Instant::now();
    for round in 0..=rounds {
        if round == 1 {
            began = Instant::now();
        }
        let byte = round as u8; // wraps around on purpose
        end.send(byte)?;
        if end.recv()? != byte.wrapping_add(1) {
            let error =
                io::Error::new(io::ErrorKind::InvalidData, "bad answer");
            return Err(error);
        }
    }
    Ok(began.elapsed())
}
// ANCHOR_END: players

// ANCHOR: without_waiting
/// The calls a hand-off makes, without the waiting: `send` a byte and
/// `recv` it straight back, `rounds` times, on one thread and a loopback
/// endpoint. Returns how long the rounds took.
pub fn without_waiting<E: Endpoint>(
    mut end: E,
    rounds: u64,
) -> io::Result<Duration> {
    let began = Instant::now();
    for round in 0..rounds {
        let byte = round as u8;
        end.send(byte)?;
        if end.recv()? != byte {
            let error =
                io::Error::new(io::ErrorKind::InvalidData, "bad loopback");
            return Err(error);
        }
    }
    Ok(began.elapsed())
}

/// `rounds` calls of `getppid`, a system call and nothing else. Returns how
/// long they took.
pub fn bare_system_calls(rounds: u64) -> Duration {
    let began = Instant::now();
    for _ in 0..rounds {
        black_box(sys::getppid());
    }
    began.elapsed()
}
// ANCHOR_END: without_waiting

// ANCHOR: ping_pong
/// Plays `rounds` rounds of ping-pong between two new threads.
///
/// If either side fails, its endpoint is dropped as its thread ends, and
/// the other side sees end of file instead of waiting forever.
pub fn ping_pong<E: Endpoint>(
    (ping_end, pong_end): (E, E),
    rounds: u64,
    placement: Placement,
) -> io::Result<Report> {
    let (ping_cpu, pong_cpu) = placement.cpus();
    let ponger = thread::Builder::new()
        .name("pong".into())
        .spawn(move || pinned(pong_cpu, || pong(pong_end)))?;
    let pinger = thread::Builder::new()
        .name("ping".into())
        .spawn(move || pinned(ping_cpu, || ping(ping_end, rounds)))?;

    let (elapsed, ping_switches) = join_thread(pinger)?;
    let ((), pong_switches) = join_thread(ponger)?;
    let switches = ping_switches + pong_switches;
    Ok(Report {
        hand_offs: 2 * rounds,
        elapsed,
        switches,
    })
}
// ANCHOR_END: ping_pong
