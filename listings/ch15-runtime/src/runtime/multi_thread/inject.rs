//! The injection queue: how tasks reach the workers from outside them (a
//! spawn from `block_on`'s thread, a wake from a blocking job's thread or
//! any other thread) and where a worker's full run queue overflows to.
//!
//! A `VecDeque` behind a mutex, like chapter 11's, with what several
//! consumers need on top: an atomic length, so that a worker can see the
//! queue is empty without taking the lock (the common case, checked
//! before every park), and a pop of a batch, so that an idle worker takes
//! its share in one lock instead of one lock per task. tokio's injection
//! queue is an intrusive linked list under one lock, with the same length
//! counter beside it.
//!
//! This file uses nothing of the crate but `crate::sync`, so that
//! `tests/loom.rs` can compile it against loom's atomics and mutex.

use std::collections::VecDeque;

use crate::sync::Ordering::{Acquire, Release};
use crate::sync::{AtomicUsize, Mutex, MutexGuard};

pub struct Inject<T> {
    queue: Mutex<Queue<T>>,
    /// `queue.tasks.len()`, readable without the lock.
    len: AtomicUsize,
}

struct Queue<T> {
    tasks: VecDeque<T>,
    /// The runtime is shutting down: refuse new tasks.
    closed: bool,
}

impl<T> Inject<T> {
    pub fn new() -> Inject<T> {
        Inject {
            queue: Mutex::new(Queue {
                tasks: VecDeque::new(),
                closed: false,
            }),
            len: AtomicUsize::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue<T>> {
        // Nothing panics while the lock is held: a poisoned queue is whole.
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Tasks queued, as of a moment ago.
    pub fn len(&self) -> usize {
        self.len.load(Acquire)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Queues `task`, or gives it back if the runtime is shutting down (the
    /// caller drops it, outside this lock).
    pub fn push(&self, task: T) -> Option<T> {
        let mut queue = self.lock();
        if queue.closed {
            return Some(task);
        }
        queue.tasks.push_back(task);
        self.len.store(queue.tasks.len(), Release);
        None
    }

    /// Queues every task of `batch` (a full run queue's overflow); gives
    /// them back if the runtime is shutting down.
    pub fn push_batch(&self, batch: Vec<T>) -> Vec<T> {
        let mut queue = self.lock();
        if queue.closed {
            return batch;
        }
        queue.tasks.extend(batch);
        self.len.store(queue.tasks.len(), Release);
        Vec::new()
    }

    /// Takes the task at the front.
    pub fn pop(&self) -> Option<T> {
        if self.is_empty() {
            return None;
        }
        let mut queue = self.lock();
        let task = queue.tasks.pop_front();
        self.len.store(queue.tasks.len(), Release);
        task
    }

    /// Takes up to `n` tasks from the front, in one lock.
    pub fn pop_n(&self, n: usize) -> Vec<T> {
        if self.is_empty() {
            return Vec::new();
        }
        let mut queue = self.lock();
        let n = n.min(queue.tasks.len());
        let tasks = queue.tasks.drain(..n).collect();
        self.len.store(queue.tasks.len(), Release);
        tasks
    }

    /// Refuses every later push and returns what is queued.
    pub fn close(&self) -> VecDeque<T> {
        let mut queue = self.lock();
        queue.closed = true;
        self.len.store(0, Release);
        std::mem::take(&mut queue.tasks)
    }
}

impl<T> Default for Inject<T> {
    fn default() -> Inject<T> {
        Inject::new()
    }
}
