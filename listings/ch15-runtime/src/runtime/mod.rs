//! The runtime, in two flavours with one interface, tokio's:
//!
//! ```
//! use ch15_runtime::runtime::Builder;
//!
//! let runtime = Builder::new_multi_thread()
//!     .worker_threads(2)
//!     .enable_all()
//!     .build()?;
//! let answer = runtime.block_on(async {
//!     let task = ch15_runtime::spawn(async { 6 * 7 });
//!     task.await.unwrap()
//! });
//! assert_eq!(answer, 42);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! - [`current_thread`]: chapter 12's runtime, unchanged in its design:
//!   every task runs on the thread that calls `block_on`, in rounds, and
//!   that thread turns the reactor between rounds and sleeps in it. Now
//!   with a cooperative budget per poll ([`crate::coop`]).
//! - [`multi_thread`]: a pool of worker threads, each with a run queue of
//!   its own, a shared injection queue, work stealing, and one worker at a
//!   time waiting in the reactor. Its module documentation argues each
//!   choice against tokio's and smol's, with the measurements.
//!
//! Both run the same tasks (chapter 11's `task` module, unchanged), the
//! same reactor and sockets (chapter 12's), and both poll each task inside
//! [`coop::budget`](crate::coop::budget).

mod builder;
pub mod current_thread;
pub mod multi_thread;

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::time::Duration;

pub(crate) use builder::Config;
pub use builder::{Builder, Flavor};

use crate::blocking;
use crate::task::JoinHandle;

/// Counts of what a runtime has done, for tests and curious readers. A
/// multi-threaded runtime's workers publish theirs each time they park, so
/// read them once the work is done.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Metrics {
    /// Tasks spawned.
    pub spawned: u64,
    /// Times a task was run (polled, or cancelled by its executor).
    pub polls: u64,
    /// Times the main future was polled.
    pub main_polls: u64,
    /// Times a thread went to sleep with nothing to run.
    pub parks: u64,
    /// Turns of the reactor (`epoll_wait` calls), sleeping or not.
    pub turns: u64,
    /// Events the reactor delivered to registrations.
    pub io_events: u64,
    /// Timer threads started (0 or 1).
    pub timer_threads: u64,
    /// Polls that ended because the task's budget was spent.
    pub budget_yields: u64,
    /// Steals that took tasks from another worker's queue.
    pub steals: u64,
    /// Tasks those steals took.
    pub stolen: u64,
    /// Tasks run from a worker's LIFO slot.
    pub lifo_polls: u64,
    /// Tasks that reached a worker through the injection queue: spawned or
    /// woken from outside the workers, or pushed out of a full queue.
    pub injected: u64,
    /// Times a thread woke a sleeping worker.
    pub unparks: u64,
}

// ANCHOR: runtime
/// A runtime of either flavour: tasks, a reactor, timers.
pub struct Runtime {
    kind: Kind,
}

enum Kind {
    // Boxed: a current-thread runtime carries its run queue and reactor
    // inline, a multi-threaded one a few pointers.
    CurrentThread(Box<current_thread::Runtime>),
    MultiThread(multi_thread::Runtime),
}
// ANCHOR_END: runtime

impl Runtime {
    /// A current-thread runtime with edge-triggered registrations, as in
    /// chapter 12. (tokio's `Runtime::new` makes a multi-threaded one;
    /// `Builder::new_multi_thread().build()` does that here.)
    pub fn new() -> io::Result<Runtime> {
        Builder::new_current_thread().build()
    }

    fn current_thread(runtime: current_thread::Runtime) -> Runtime {
        Runtime {
            kind: Kind::CurrentThread(Box::new(runtime)),
        }
    }

    fn multi_thread(runtime: multi_thread::Runtime) -> Runtime {
        Runtime {
            kind: Kind::MultiThread(runtime),
        }
    }

    /// Runs `future` to completion on this thread and returns its output.
    /// On a current-thread runtime, the spawned tasks run meanwhile, on
    /// this thread; on a multi-threaded one they run on the workers, and
    /// this thread sleeps whenever `future` waits.
    ///
    /// # Panics
    ///
    /// If called from inside a runtime (a future that a `block_on` or a
    /// worker is running), as tokio's does: the thread would block a
    /// runtime's work.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        match &self.kind {
            Kind::CurrentThread(runtime) => runtime.block_on(future),
            Kind::MultiThread(runtime) => runtime.block_on(future),
        }
    }

    /// Spawns a task on this runtime.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match &self.kind {
            Kind::CurrentThread(runtime) => runtime.spawn(future),
            Kind::MultiThread(runtime) => runtime.spawn(future),
        }
    }

    pub fn flavor(&self) -> Flavor {
        match &self.kind {
            Kind::CurrentThread(_) => Flavor::CurrentThread,
            Kind::MultiThread(_) => Flavor::MultiThread,
        }
    }

    /// The runtime's counts, summed over its workers.
    pub fn metrics(&self) -> Metrics {
        match &self.kind {
            Kind::CurrentThread(runtime) => runtime.metrics(),
            Kind::MultiThread(runtime) => runtime.metrics(),
        }
    }

    /// Each worker's counts (one entry for a current-thread runtime).
    pub fn worker_metrics(&self) -> Vec<Metrics> {
        match &self.kind {
            Kind::CurrentThread(runtime) => vec![runtime.metrics()],
            Kind::MultiThread(runtime) => runtime.worker_metrics(),
        }
    }

    // ANCHOR: blocking_api
    /// Runs `func` on this runtime's blocking pool, like tokio's
    /// `Runtime::spawn_blocking`, inside `block_on` or outside it.
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        match &self.kind {
            Kind::CurrentThread(runtime) => runtime.spawn_blocking(func),
            Kind::MultiThread(runtime) => runtime.spawn_blocking(func),
        }
    }

    /// What the blocking pool holds and has done.
    pub fn blocking_metrics(&self) -> blocking::Metrics {
        match &self.kind {
            Kind::CurrentThread(runtime) => runtime.blocking_metrics(),
            Kind::MultiThread(runtime) => runtime.blocking_metrics(),
        }
    }

    /// Shuts the runtime down like dropping it, but waits at most
    /// `timeout` for blocking jobs that are running; those still running
    /// then are left to finish on their threads, which exit after them.
    pub fn shutdown_timeout(self, timeout: Duration) {
        match self.kind {
            Kind::CurrentThread(runtime) => runtime.shutdown_timeout(timeout),
            Kind::MultiThread(mut runtime) => {
                runtime.set_blocking_patience(Some(timeout));
            }
        }
    }

    /// Shuts the runtime down without waiting for blocking jobs at all.
    pub fn shutdown_background(self) {
        self.shutdown_timeout(Duration::ZERO);
    }
    // ANCHOR_END: blocking_api

    /// How many tasks have not completed.
    pub fn live_tasks(&self) -> usize {
        match &self.kind {
            Kind::CurrentThread(runtime) => runtime.live_tasks(),
            Kind::MultiThread(runtime) => runtime.live_tasks(),
        }
    }

    /// How many sockets are registered with the reactor.
    pub fn registrations(&self) -> usize {
        match &self.kind {
            Kind::CurrentThread(runtime) => runtime.registrations(),
            Kind::MultiThread(runtime) => runtime.registrations(),
        }
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("flavor", &self.flavor())
            .finish_non_exhaustive()
    }
}

// ANCHOR: free_functions
/// Runs `future` to completion on a new current-thread runtime on this
/// thread.
///
/// # Panics
///
/// If the runtime cannot be made (`epoll_create1` or `eventfd` refused, as
/// when the process is out of descriptors); [`Runtime::new`] returns that
/// error instead.
pub fn block_on<F: Future>(future: F) -> F::Output {
    match Runtime::new() {
        Ok(runtime) => runtime.block_on(future),
        Err(e) => panic!("cannot start a runtime: {e}"),
    }
}

/// Spawns a task on the runtime this thread runs (a worker's, or the one
/// whose `block_on` is running here), like `tokio::spawn`.
///
/// # Panics
///
/// Outside a runtime.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let future = match current_thread::try_spawn(future) {
        Ok(handle) => return handle,
        Err(future) => future,
    };
    match multi_thread::try_spawn(future) {
        Ok(handle) => handle,
        Err(_) => panic!(
            "`spawn` called outside a runtime: call it from a future that \
             `block_on` or a worker runs"
        ),
    }
}
// ANCHOR_END: free_functions

/// The index of the multi-threaded runtime's worker running this code, if
/// it runs on one: for measurements of where tasks run.
pub fn worker_index() -> Option<usize> {
    multi_thread::worker_index()
}

thread_local! {
    /// A runtime runs on this thread: a `block_on`, or a worker.
    static ENTERED: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread as running a runtime until dropped; panics if it
/// already does.
pub(crate) struct Entered(());

impl Entered {
    pub(crate) fn new() -> Entered {
        ENTERED.with(|entered| {
            assert!(
                !entered.replace(true),
                "cannot run a runtime inside another: `block_on` was called \
                 from a future that a runtime on this thread is running"
            );
        });
        Entered(())
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        ENTERED.with(|entered| entered.set(false));
    }
}
