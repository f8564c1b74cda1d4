//! The injection queue: how tasks woken on other threads reach the
//! executor. A lock, since any thread may push; the executor takes all of
//! it at once, at the start of each round, and looks at an atomic flag
//! first, so that a round with nothing injected takes no lock at all.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::task::Notified;

#[derive(Default)]
pub struct Inject {
    queue: Mutex<Queue>,
    /// Set while `queue.tasks` may be non-empty.
    pending: AtomicBool,
}

#[derive(Default)]
struct Queue {
    tasks: VecDeque<Notified>,
    /// The runtime is shutting down: refuse new tasks.
    closed: bool,
}

impl Inject {
    fn queue(&self) -> MutexGuard<'_, Queue> {
        // Nothing below panics while it holds the lock.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a task from any thread. Returns it if the runtime is shutting
    /// down; the caller drops it (outside this lock: dropping a task may
    /// free it, and what a task frees may include this queue).
    pub fn push(&self, task: Notified) -> Option<Notified> {
        let mut queue = self.queue();
        if queue.closed {
            return Some(task);
        }
        queue.tasks.push_back(task);
        self.pending.store(true, Ordering::Release);
        None
    }

    /// Moves every injected task to the back of `run_queue`.
    pub fn drain_into(&self, run_queue: &mut VecDeque<Notified>) {
        if !self.pending.load(Ordering::Acquire) {
            return;
        }
        let mut queue = self.queue();
        self.pending.store(false, Ordering::Relaxed);
        run_queue.append(&mut queue.tasks);
    }

    /// Refuses every later push and returns what is queued.
    pub fn close(&self) -> VecDeque<Notified> {
        let mut queue = self.queue();
        queue.closed = true;
        self.pending.store(false, Ordering::Relaxed);
        std::mem::take(&mut queue.tasks)
    }
}
