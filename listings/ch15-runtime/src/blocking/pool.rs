//! The blocking pool: OS threads that run the jobs no task may run, because
//! they would hold the runtime's thread: reading a file, resolving a host
//! name, calling a library that blocks.
//!
//! Threads start as jobs need them, up to a cap; a job that finds every
//! thread busy and the cap reached waits in a queue; a thread that has
//! found no job for the keep-alive period exits. Everything the threads
//! and the spawners share sits under one mutex, which nobody holds while a
//! job runs.
//!
//! The pool knows a job only as a [`Task`] to run or to cancel; it knows
//! nothing of runtimes, and the task wakes its awaiter by itself.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use super::task::{self, Task};
use crate::task::JoinHandle;
use crate::trace;

// ANCHOR: config
/// How many threads a pool may run at once: tokio's default for
/// `max_blocking_threads`.
pub const MAX_THREADS: usize = 512;

/// How long a thread with nothing to do waits for a job before it exits:
/// tokio's default for `thread_keep_alive`.
pub const KEEP_ALIVE: Duration = Duration::from_secs(10);

/// A pool's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// The cap: at most this many threads at once (at least 1).
    pub max_threads: usize,
    /// An idle thread exits after this long without a job.
    pub keep_alive: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_threads: MAX_THREADS,
            keep_alive: KEEP_ALIVE,
        }
    }
}
// ANCHOR_END: config

// ANCHOR: state
/// A pool; dropping it shuts it down (see [`Pool::shutdown`]).
pub struct Pool {
    spawner: Spawner,
    /// How long dropping the pool waits for running jobs (`None`: until
    /// they end).
    patience: Option<Duration>,
}

/// A handle that queues jobs on a pool, from any thread.
#[derive(Clone)]
pub struct Spawner {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    /// Idle threads wait on it for a job or the shutdown.
    work: Condvar,
    /// The shutdown waits on it for the last thread to leave.
    all_gone: Condvar,
    config: Config,
}

struct State {
    /// Jobs that no thread has taken yet, oldest first.
    queue: VecDeque<Task>,
    /// Threads started and not yet gone.
    threads: usize,
    /// Threads waiting for a job that no spawner has promised a job yet.
    idle: usize,
    /// Wake-ups a spawner has sent for a queued job that no thread has
    /// taken yet. A thread that wakes takes one before it runs a job; one
    /// that wakes and finds none was woken spuriously, and waits on. So a
    /// job promised to an idle thread cannot be lost if that thread's wait
    /// times out at the same moment: it finds the wake-up first.
    wakeups: usize,
    shutdown: bool,
    /// The threads still running, by number, to join at shutdown.
    workers: HashMap<usize, thread::JoinHandle<()>>,
    /// The last thread that retired, joined by the next one to retire (or
    /// by the shutdown), so that no thread is ever left unjoined.
    retired: Option<thread::JoinHandle<()>>,
    counts: Counts,
}

/// What a pool has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts {
    jobs: usize,
    jobs_run: usize,
    jobs_cancelled: usize,
    threads_started: usize,
    threads_retired: usize,
}
// ANCHOR_END: state

/// A snapshot of a pool, for tests and curious readers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Metrics {
    /// Threads alive now, busy or idle.
    pub threads: usize,
    /// Threads waiting for a job now.
    pub idle: usize,
    /// Jobs waiting in the queue now.
    pub queued: usize,
    /// Jobs spawned so far.
    pub jobs: usize,
    /// Jobs a thread has taken from the queue to run (counted as it takes
    /// them; a job aborted while queued is taken, and dropped unrun).
    pub jobs_run: usize,
    /// Jobs the pool cancelled: queued at the shutdown, or spawned after.
    pub jobs_cancelled: usize,
    /// Threads started so far.
    pub threads_started: usize,
    /// Threads that exited after their keep-alive.
    pub threads_retired: usize,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Nobody holds the lock while user code runs; a panic between a
        // lock and an unlock would be a bug here, and leaves the counts as
        // they were, so carry on.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Pool {
    pub fn new(config: Config) -> Pool {
        let config = Config {
            max_threads: config.max_threads.max(1),
            ..config
        };
        Pool {
            spawner: Spawner {
                inner: Arc::new(Inner {
                    state: Mutex::new(State {
                        queue: VecDeque::new(),
                        threads: 0,
                        idle: 0,
                        wakeups: 0,
                        shutdown: false,
                        workers: HashMap::new(),
                        retired: None,
                        counts: Counts::default(),
                    }),
                    work: Condvar::new(),
                    all_gone: Condvar::new(),
                    config,
                }),
            },
            patience: None,
        }
    }

    pub fn spawner(&self) -> &Spawner {
        &self.spawner
    }

    /// How long dropping the pool waits for running jobs: at most
    /// `patience`, or (`None`, the default) until they end.
    pub fn set_patience(&mut self, patience: Option<Duration>) {
        self.patience = patience;
    }
}

// ANCHOR: spawn
impl Spawner {
    /// Queues `func` to run on a pool thread, and returns the handle of
    /// its output. Wakes an idle thread if there is one, starts a thread if
    /// the cap allows, and otherwise leaves the job queued.
    pub fn spawn<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let inner = &self.inner;
        let mut state = inner.lock();
        let id = state.counts.jobs;
        state.counts.jobs += 1;
        let (task, handle) = task::new(func, id);
        if state.shutdown {
            // Too late: the handle reports the job cancelled.
            state.counts.jobs_cancelled += 1;
            drop(state);
            task.cancel();
            return handle;
        }
        state.queue.push_back(task);
        if state.idle > 0 {
            // Promise the job to one idle thread.
            state.idle -= 1;
            state.wakeups += 1;
            inner.work.notify_one();
            record(id, "to an idle thread".into());
        } else if state.threads < inner.config.max_threads {
            if let Err(e) = self.start_thread(&mut state, id) {
                self.refused(state, e);
            }
        } else {
            let busy = state.threads;
            record(id, format!("queued: all {busy} threads busy"));
        }
        handle
    }
    // ANCHOR_END: spawn

    // ANCHOR: start_thread
    /// Starts a thread, with the lock held so that the counts stay true.
    fn start_thread(
        &self,
        state: &mut State,
        job: usize,
    ) -> std::io::Result<()> {
        let number = state.counts.threads_started;
        let name = format!("blocking-{number}");
        let inner = Arc::clone(&self.inner);
        let worker = thread::Builder::new()
            .name(name.clone())
            .spawn(move || inner.work(number))?;
        state.threads += 1;
        state.counts.threads_started += 1;
        state.workers.insert(number, worker);
        record(job, format!("start thread {name}"));
        Ok(())
    }

    /// The kernel refused a thread (`EAGAIN`: out of threads or memory).
    /// With a thread left, the job waits for it; with none, nobody would
    /// ever run it, so the caller hears of it, as tokio's caller does.
    fn refused(&self, mut state: MutexGuard<'_, State>, e: std::io::Error) {
        if state.threads > 0 {
            return;
        }
        let task = state.queue.pop_back();
        state.counts.jobs_cancelled += 1;
        drop(state);
        if let Some(task) = task {
            task.cancel();
        }
        panic!("the blocking pool cannot start a thread: {e}");
    }
    // ANCHOR_END: start_thread

    /// What the pool holds and has done.
    pub fn metrics(&self) -> Metrics {
        let state = self.inner.lock();
        Metrics {
            threads: state.threads,
            idle: state.idle,
            queued: state.queue.len(),
            jobs: state.counts.jobs,
            jobs_run: state.counts.jobs_run,
            jobs_cancelled: state.counts.jobs_cancelled,
            threads_started: state.counts.threads_started,
            threads_retired: state.counts.threads_retired,
        }
    }

    /// The pool's settings.
    pub fn config(&self) -> Config {
        self.inner.config
    }
}

/// Records a spawn in the trace, as the caller's arrow to the pool `P`.
fn record(id: usize, what: String) {
    trace::record(|| {
        format!("{}->>P: spawn_blocking: job {id}, {what}", trace::actor())
    });
}

// ANCHOR: work
impl Inner {
    /// A pool thread's life: run jobs while there are any, then wait for
    /// one, at most the keep-alive; exit when the wait times out with no
    /// job promised, or at the shutdown.
    fn work(&self, number: usize) {
        let mut state = self.lock();
        let retire = 'life: loop {
            while let Some(task) = state.queue.pop_front() {
                state.counts.jobs_run += 1;
                drop(state);
                task.run();
                state = self.lock();
            }
            if state.shutdown {
                break false;
            }
            state.idle += 1;
            let deadline = Instant::now() + self.config.keep_alive;
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    // Nobody promised this thread a job in time.
                    state.idle -= 1;
                    break 'life true;
                }
                state = match self.work.wait_timeout(state, left) {
                    Ok((state, _)) => state,
                    Err(poisoned) => poisoned.into_inner().0,
                };
                if state.wakeups > 0 {
                    // A job was promised (and `idle` counted down by the
                    // spawner): go and take it.
                    state.wakeups -= 1;
                    continue 'life;
                }
                if state.shutdown {
                    state.idle -= 1;
                    break 'life false;
                }
                // Woken for nothing, or timed out: look at the clock again.
            }
        };
        state.threads -= 1;
        let mut join = None;
        if retire {
            state.counts.threads_retired += 1;
            let me = state.workers.remove(&number);
            join = std::mem::replace(&mut state.retired, me);
        }
        if state.shutdown && state.threads == 0 {
            self.all_gone.notify_all();
        }
        drop(state);
        // The thread that retired before this one has left its loop, and
        // is at most a few instructions from its end.
        if let Some(previous) = join {
            let _ = previous.join();
        }
    }
}
// ANCHOR_END: work

// ANCHOR: shutdown
impl Pool {
    /// Shuts the pool down: jobs still queued are cancelled (their handles
    /// report it), jobs that are running run to their end, and the threads
    /// exit. Waits at most `timeout` for them (`None`: as long as it
    /// takes); returns whether every thread is gone and joined. Threads
    /// still running a job when the time is up are left to finish it on
    /// their own: they hold the pool's shared state until they exit, and
    /// nothing else.
    pub fn shutdown(&mut self, timeout: Option<Duration>) -> bool {
        let inner = &self.spawner.inner;
        let queued = {
            let mut state = inner.lock();
            if state.shutdown {
                return state.threads == 0;
            }
            state.shutdown = true;
            state.counts.jobs_cancelled += state.queue.len();
            std::mem::take(&mut state.queue)
        };
        inner.work.notify_all();
        // Outside the lock: cancelling drops each closure, which may run
        // any code, and wakes whoever awaits its handle.
        for task in queued {
            task.cancel();
        }
        let deadline = timeout.map(|timeout| Instant::now() + timeout);
        let mut state = inner.lock();
        while state.threads > 0 {
            let Some(deadline) = deadline else {
                state = inner
                    .all_gone
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            };
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                // Detached: each thread exits when its job returns.
                return false;
            }
            state = match inner.all_gone.wait_timeout(state, left) {
                Ok((state, _)) => state,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        let workers = std::mem::take(&mut state.workers);
        let retired = state.retired.take();
        drop(state);
        for worker in workers.into_values().chain(retired) {
            let _ = worker.join();
        }
        true
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shutdown(self.patience);
    }
}
// ANCHOR_END: shutdown
