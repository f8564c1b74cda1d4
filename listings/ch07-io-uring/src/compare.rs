//! Chapter 6's readiness loop against this chapter's completion loop,
//! batched and not, in one process: each server runs on a thread of its
//! own, alone, while the measuring client's threads talk to it.

use std::fs;
use std::io;
use std::thread;
use std::time::{Duration, Instant};

use crate::bench::{self, Bench, Measured};
use crate::count::Syscall;
use crate::driver::Submit;
use crate::event_loop;
use crate::launch::bind;
use crate::poll::{Events, Poller};
use crate::uring::Ring;
use crate::uring_loop::{self, Config};

/// The servers measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Server {
    Epoll,
    Uring(Submit),
}

impl Server {
    pub const ALL: [Server; 3] = [
        Server::Epoll,
        Server::Uring(Submit::Batched),
        Server::Uring(Submit::EachAtOnce),
    ];

    /// How the output names it, padded to one width.
    pub fn label(self) -> &'static str {
        match self {
            Server::Epoll => "epoll loop (chapter 6)       ",
            Server::Uring(Submit::Batched) => "io_uring, batched            ",
            Server::Uring(Submit::EachAtOnce) => {
                "io_uring, one enter per SQE  "
            }
        }
    }

    /// The system calls its loop makes per message, in a fixed order.
    pub fn calls(self) -> &'static [Syscall] {
        match self {
            Server::Epoll => &[
                Syscall::EpollWait,
                Syscall::Recv,
                Syscall::Send,
                Syscall::EpollCtl,
            ],
            Server::Uring(_) => &[Syscall::UringEnter],
        }
    }
}

// ANCHOR: row
/// One server's figures.
pub struct Row {
    pub measured: Measured,
    /// CPU time the server's thread used while the messages went through.
    pub cpu: Duration,
    /// Bytes the server held for its connections while they were all
    /// open and idle: buffered echoes, or buffers lent to the kernel.
    pub held_when_idle: usize,
}

/// Starts `server`, puts `bench` on it, stops it.
pub fn measure(server: Server, bench: &Bench) -> io::Result<Row> {
    let listener = bind("127.0.0.1:0")?;
    match server {
        Server::Epoll => {
            let running = event_loop::spawn(listener)?;
            let stats = || running.handle().stats();
            let (mut held, mut cpu) = (0, Duration::ZERO);
            let measured = bench::run(running.addr(), bench, || {
                settle(bench.connections, || stats().open);
                held = stats().buffered;
                cpu = thread_cpu("echo-loop");
            })?;
            let cpu = thread_cpu("echo-loop").saturating_sub(cpu);
            running.stop()?;
            Ok(Row {
                measured,
                cpu,
                held_when_idle: held,
            })
        }
        Server::Uring(submit) => {
            let config = Config {
                submit,
                ..Config::default()
            };
            let running = uring_loop::spawn(listener, config)?;
            let stats = || running.handle().stats();
            let (mut held, mut cpu) = (0, Duration::ZERO);
            let measured = bench::run(running.addr(), bench, || {
                settle(bench.connections, || stats().open);
                held = stats().lent;
                cpu = thread_cpu("uring-loop");
            })?;
            let cpu = thread_cpu("uring-loop").saturating_sub(cpu);
            running.stop()?;
            Ok(Row {
                measured,
                cpu,
                held_when_idle: held,
            })
        }
    }
}
// ANCHOR_END: row

/// Waits until the server has accepted all `connections` (a client's
/// connect returns before the server's accept), so that the counts that
/// follow cover messages only.
fn settle(connections: usize, open: impl Fn() -> usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while open() < connections && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(1));
    }
    // The last accepted may not be registered, or lent a buffer, yet.
    thread::sleep(Duration::from_millis(20));
}

// ANCHOR: thread_cpu
/// CPU time used so far by this process's thread called `name`: the
/// first field of its `schedstat`, nanoseconds on a CPU as the scheduler
/// counts them. Unlike a rate, it hardly depends on what else the machine
/// runs. Zero if there is no such thread.
fn thread_cpu(name: &str) -> Duration {
    let Ok(tasks) = fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    for task in tasks.flatten() {
        let dir = task.path();
        let comm = fs::read_to_string(dir.join("comm")).unwrap_or_default();
        if comm.trim() != name {
            continue;
        }
        let stat =
            fs::read_to_string(dir.join("schedstat")).unwrap_or_default();
        let ns = stat.split_whitespace().next().and_then(|n| n.parse().ok());
        return Duration::from_nanos(ns.unwrap_or(0));
    }
    Duration::ZERO
}
// ANCHOR_END: thread_cpu

// ANCHOR: empty_call
/// What entering and leaving the kernel costs, with nothing to do there:
/// nanoseconds per `io_uring_enter` that submits nothing and does not
/// wait, and per `epoll_wait` with a zero timeout on an idle poller.
pub fn empty_calls(rounds: u32) -> io::Result<(f64, f64)> {
    let mut ring = Ring::new(8)?;
    let started = Instant::now();
    for _ in 0..rounds {
        ring.submit_and_wait(0)?;
    }
    let enter = started.elapsed().as_secs_f64() * 1e9 / f64::from(rounds);
    let poller = Poller::new()?;
    let mut events = Events::with_capacity(8);
    let started = Instant::now();
    for _ in 0..rounds {
        poller.wait(&mut events, Some(Duration::ZERO))?;
    }
    let wait = started.elapsed().as_secs_f64() * 1e9 / f64::from(rounds);
    Ok((enter, wait))
}
// ANCHOR_END: empty_call
