//! The ways of serving the workload, behind one interface.

use std::io;
use std::os::fd::OwnedFd;
use std::panic;
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use crate::latch::Latch;
use crate::task::OneMessage;
use crate::{poll_loop, solutions, threads};

/// A way to wait for many pipes at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Way {
    /// Way A: one OS thread per task, blocking `read`.
    Threads,
    /// Way B: one thread, `poll(2)`.
    Poll,
    /// Exercise 2: one thread, epoll.
    Epoll,
}

impl Way {
    pub fn from_name(name: &str) -> Option<Way> {
        [Way::Threads, Way::Poll, Way::Epoll]
            .into_iter()
            .find(|way| way.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Way::Threads => "threads",
            Way::Poll => "poll",
            Way::Epoll => "epoll",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Way::Threads => {
                "way A: one OS thread per task, each blocked in read"
            }
            Way::Poll => "way B: one thread asks poll(2) which pipes are ready",
            Way::Epoll => "way C: one thread asks epoll which pipes are ready",
        }
    }

    /// Starts waiting for a message on every pipe of `readers`; each task
    /// (or the loop that holds them all) calls `latch.arrive` once it waits.
    pub fn start(
        self,
        readers: Vec<OwnedFd>,
        latch: &Arc<Latch>,
    ) -> io::Result<Waiters> {
        match self {
            Way::Threads => threads::spawn_waiters(readers, latch)
                .map(Waiters::ThreadPerTask),
            Way::Poll => spawn_loop(readers, latch, poll_loop::serve),
            Way::Epoll => {
                spawn_loop(readers, latch, solutions::epoll_loop::serve)
            }
        }
    }
}

type Serve = fn(Vec<(OwnedFd, OneMessage)>, &Latch) -> Vec<io::Result<u64>>;

/// Runs an event loop with one `OneMessage` task per pipe on a new thread.
fn spawn_loop(
    readers: Vec<OwnedFd>,
    latch: &Arc<Latch>,
    serve: Serve,
) -> io::Result<Waiters> {
    let latch = Arc::clone(latch);
    let tasks = readers
        .into_iter()
        .map(|reader| (reader, OneMessage::default()))
        .collect();
    thread::Builder::new()
        .spawn(move || serve(tasks, &latch))
        .map(Waiters::OneLoop)
}

/// The threads a way started.
pub enum Waiters {
    ThreadPerTask(Vec<JoinHandle<io::Result<u64>>>),
    OneLoop(JoinHandle<Vec<io::Result<u64>>>),
}

impl Waiters {
    /// How many threads the way started to wait on the pipes.
    pub fn thread_count(&self) -> usize {
        match self {
            Waiters::ThreadPerTask(threads) => threads.len(),
            Waiters::OneLoop(_) => 1,
        }
    }

    /// Waits for every task and returns what each received, in task order.
    pub fn join(self) -> Vec<io::Result<u64>> {
        match self {
            Waiters::ThreadPerTask(threads) => {
                threads.into_iter().map(join_thread).collect()
            }
            Waiters::OneLoop(event_loop) => join_thread(event_loop),
        }
    }
}

/// A panic in a task is a bug in this listing: pass it on.
fn join_thread<T>(thread: JoinHandle<T>) -> T {
    thread
        .join()
        .unwrap_or_else(|panic| panic::resume_unwind(panic))
}
