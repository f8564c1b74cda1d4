//! `Builder`: which runtime to make, tokio's way:
//! `Builder::new_multi_thread().worker_threads(4).enable_all().build()?`.

use std::io;
use std::num::NonZeroUsize;
use std::time::Duration;

use super::{Runtime, current_thread, multi_thread};
use crate::blocking;
use crate::poll::Mode;
use crate::trace;

/// Which scheduler a runtime has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// Every task on the thread that calls `block_on` (chapters 11 and 12).
    CurrentThread,
    /// Tasks on a pool of worker threads that steal from each other.
    MultiThread,
}

// ANCHOR: builder
/// Makes a [`Runtime`].
#[derive(Clone, Debug)]
pub struct Builder {
    pub(super) config: Config,
}

/// Everything a builder says, for the runtime it builds.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub flavor: Flavor,
    /// Worker threads of a multi-threaded runtime.
    pub workers: usize,
    pub mode: Mode,
    /// Events per turn of the reactor.
    pub events: usize,
    /// A task woken by a task on the same worker runs next (see
    /// `multi_thread::worker`).
    pub lifo_slot: bool,
    /// While there is work, a worker (or the current-thread runtime)
    /// looks at the reactor once every this many tasks.
    pub event_interval: u32,
    /// A worker looks at the injection queue first once every this many
    /// tasks.
    pub global_queue_interval: u32,
    pub thread_name: String,
    /// The blocking pool's cap and keep-alive (chapter 14).
    pub blocking: blocking::Config,
}

impl Builder {
    /// A runtime that polls every task on the thread that runs it.
    pub fn new_current_thread() -> Builder {
        Builder::new(Flavor::CurrentThread)
    }

    /// A runtime with a pool of worker threads, one per CPU unless
    /// [`worker_threads`](Builder::worker_threads) says otherwise.
    pub fn new_multi_thread() -> Builder {
        Builder::new(Flavor::MultiThread)
    }

    fn new(flavor: Flavor) -> Builder {
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        Builder {
            config: Config {
                flavor,
                workers: cpus,
                mode: Mode::Edge,
                events: 1024,
                lifo_slot: true,
                event_interval: 61,
                global_queue_interval: 31,
                thread_name: "worker".into(),
                blocking: blocking::Config::default(),
            },
        }
    }

    /// How many worker threads a multi-threaded runtime starts.
    ///
    /// # Panics
    ///
    /// If `workers` is 0, as tokio's does.
    pub fn worker_threads(&mut self, workers: usize) -> &mut Builder {
        let Some(workers) = NonZeroUsize::new(workers) else {
            panic!("a runtime needs at least one worker thread");
        };
        self.config.workers = workers.get();
        self
    }

    /// For tokio's sake: I/O and timers are always on here.
    pub fn enable_all(&mut self) -> &mut Builder {
        self
    }

    /// Registers sockets one-shot (`EPOLLONESHOT`, armed again before each
    /// wait) instead of edge-triggered once: the registration async-io
    /// uses, for chapter 12's comparison.
    pub fn oneshot_registrations(&mut self, oneshot: bool) -> &mut Builder {
        self.config.mode = if oneshot { Mode::Oneshot } else { Mode::Edge };
        self
    }

    /// At most `events` readiness events per turn of the reactor (1024).
    pub fn event_capacity(&mut self, events: usize) -> &mut Builder {
        self.config.events = events;
        self
    }

    /// Turns off the LIFO slot of a multi-threaded runtime's workers: a
    /// woken task always joins the back of its worker's queue (tokio's
    /// `disable_lifo_slot`). For the measurements that justify the slot.
    pub fn disable_lifo_slot(&mut self) -> &mut Builder {
        self.config.lifo_slot = false;
        self
    }

    /// How many tasks a worker, or the current-thread runtime, runs
    /// between two looks at the reactor while there is work to run (61,
    /// tokio's default; 1 is chapter 12's look after every round).
    pub fn event_interval(&mut self, tasks: u32) -> &mut Builder {
        self.config.event_interval = tasks.max(1);
        self
    }

    /// How many tasks a worker runs between two looks at the injection
    /// queue before its own (31, tokio's default).
    pub fn global_queue_interval(&mut self, tasks: u32) -> &mut Builder {
        self.config.global_queue_interval = tasks.max(1);
        self
    }

    // ANCHOR: blocking_builder
    /// At most `threads` threads in the blocking pool (512), as tokio's
    /// `max_blocking_threads`. Panics if `threads` is 0.
    pub fn max_blocking_threads(&mut self, threads: usize) -> &mut Builder {
        assert!(threads > 0, "the blocking pool needs at least one thread");
        self.config.blocking.max_threads = threads;
        self
    }

    /// How long a blocking thread with nothing to do waits for a job
    /// before it exits (10 s), as tokio's `thread_keep_alive`.
    pub fn thread_keep_alive(&mut self, keep_alive: Duration) -> &mut Builder {
        self.config.blocking.keep_alive = keep_alive;
        self
    }
    // ANCHOR_END: blocking_builder

    /// The worker threads' name, as `ps -L` and panic messages show it.
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Builder {
        self.config.thread_name = name.into();
        self
    }

    /// Makes the runtime: an epoll instance and an eventfd, and for the
    /// multi-threaded flavour its worker threads, started at once.
    pub fn build(&mut self) -> io::Result<Runtime> {
        trace::from_env();
        Ok(match self.config.flavor {
            Flavor::CurrentThread => Runtime::current_thread(
                current_thread::Runtime::new(&self.config)?,
            ),
            Flavor::MultiThread => {
                Runtime::multi_thread(multi_thread::Runtime::new(&self.config)?)
            }
        })
    }
}
// ANCHOR_END: builder
