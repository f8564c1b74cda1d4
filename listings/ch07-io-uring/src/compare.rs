//! Chapter 6's readiness loop against this chapter's completion loop,
//! batched and not, in one process: each server runs on a thread of its
//! own, alone, while the measuring client's threads talk to it.

use std::io;
use std::thread;
use std::time::{Duration, Instant};

use crate::bench::{self, Bench, Measured};
use crate::count::Syscall;
use crate::driver::Submit;
use crate::event_loop;
use crate::launch::bind;
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
            let mut held = 0;
            let measured = bench::run(running.addr(), bench, || {
                settle(bench.connections, || stats().open);
                held = stats().buffered;
            })?;
            running.stop()?;
            Ok(Row {
                measured,
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
            let mut held = 0;
            let measured = bench::run(running.addr(), bench, || {
                settle(bench.connections, || stats().open);
                held = stats().lent;
            })?;
            running.stop()?;
            Ok(Row {
                measured,
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
