//! The thread pool: OS threads for work that cannot be polled, such as
//! reading a file. The loop hands it jobs; a worker runs each one, puts a
//! completion on the finished list, and calls `wake`, which the loop sets
//! to its poller's `notify`.
//!
//! The pool knows nothing of the loop or its callbacks: a job is a `Send`
//! closure with a token, and a completion is that token and whether the job
//! panicked. What the job produced travels beside it (see
//! `EventLoop::spawn_blocking`).

use std::collections::VecDeque;
use std::io;
use std::mem;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};

use crate::poll::Token;

/// A job: runs on a worker thread.
pub type Job = Box<dyn FnOnce() + Send>;

// ANCHOR: pool
/// A finished job, waiting for the loop to pick it up.
#[derive(Debug)]
pub struct Completion {
    /// The token the job was submitted with.
    pub token: Token,
    /// `Err` with the panic's message if the job panicked.
    pub outcome: Result<(), String>,
}

/// A fixed number of worker threads, started when the first job comes.
pub struct Pool {
    shared: Arc<Shared>,
    size: usize,
    workers: Vec<JoinHandle<()>>,
}

/// What the loop's thread and the workers share.
struct Shared {
    queue: Mutex<Queue>,
    /// Signalled when a job is queued or the pool closes.
    work: Condvar,
    /// Jobs finished and not yet taken by the loop.
    finished: Mutex<Vec<Completion>>,
    /// Tells the loop that `finished` has something (the poller's notify).
    wake: Box<dyn Fn() + Send + Sync>,
}

struct Queue {
    jobs: VecDeque<(Token, Job)>,
    /// Set when the pool is dropped: workers finish their job and exit.
    closed: bool,
}
// ANCHOR_END: pool

impl Pool {
    /// A pool of `size` threads (at least one) that calls `wake` after
    /// every job.
    pub fn new(size: usize, wake: impl Fn() + Send + Sync + 'static) -> Pool {
        Pool {
            shared: Arc::new(Shared {
                queue: Mutex::new(Queue {
                    jobs: VecDeque::new(),
                    closed: false,
                }),
                work: Condvar::new(),
                finished: Mutex::new(Vec::new()),
                wake: Box::new(wake),
            }),
            size: size.max(1),
            workers: Vec::new(),
        }
    }

    /// How many threads it runs once started.
    pub fn size(&self) -> usize {
        self.size
    }

    /// How many threads it has started.
    pub fn started(&self) -> usize {
        self.workers.len()
    }
}

// ANCHOR: submit
impl Pool {
    /// Queues `job`; a free worker runs it. Starts the workers on first
    /// use, and fails only if not even one thread can be started.
    pub fn submit(&mut self, token: Token, job: Job) -> io::Result<()> {
        self.start_workers()?;
        lock(&self.shared.queue).jobs.push_back((token, job));
        self.shared.work.notify_one();
        Ok(())
    }

    /// Takes every completion that has arrived, in the order they did.
    pub fn take_finished(&self) -> Vec<Completion> {
        mem::take(&mut *lock(&self.shared.finished))
    }

    fn start_workers(&mut self) -> io::Result<()> {
        while self.workers.len() < self.size {
            let shared = Arc::clone(&self.shared);
            let name = format!("pool-{}", self.workers.len());
            match thread::Builder::new()
                .name(name)
                .spawn(move || work(&shared))
            {
                Ok(worker) => self.workers.push(worker),
                // Out of threads (EAGAIN): run with the ones we have.
                Err(e) if self.workers.is_empty() => return Err(e),
                Err(_) => break,
            }
        }
        Ok(())
    }
}
// ANCHOR_END: submit

// ANCHOR: work
/// A worker: takes the oldest job, runs it outside every lock, reports it
/// done, wakes the loop; until the pool closes.
fn work(shared: &Shared) {
    while let Some((token, job)) = next_job(shared) {
        // A panicking job must not take the worker with it. The job is
        // consumed either way; nothing of it is used after a panic.
        let outcome = panic::catch_unwind(AssertUnwindSafe(job))
            .map_err(|payload| panic_message(payload.as_ref()));
        lock(&shared.finished).push(Completion { token, outcome });
        (shared.wake)();
    }
}

fn next_job(shared: &Shared) -> Option<(Token, Job)> {
    let mut queue = lock(&shared.queue);
    loop {
        if let Some(job) = queue.jobs.pop_front() {
            return Some(job);
        }
        if queue.closed {
            return None;
        }
        queue = shared
            .work
            .wait(queue)
            .unwrap_or_else(PoisonError::into_inner);
    }
}
// ANCHOR_END: work

impl Drop for Pool {
    /// Jobs still queued are dropped unrun; running ones finish first.
    fn drop(&mut self) {
        let unrun = {
            let mut queue = lock(&self.shared.queue);
            queue.closed = true;
            mem::take(&mut queue.jobs)
        };
        drop(unrun); // outside the lock: a job's captures may do anything
        self.shared.work.notify_all();
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

/// No lock here is held while user code runs, so none can be poisoned by a
/// job's panic; recover anyway rather than panic in turn.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What a panic said, if it said it with a string.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}
