//! A blocking job is a task: chapter 11's heap block, state word and
//! `JoinHandle`, around a future that calls the closure in its first and
//! only poll. The pool's threads poll it; the task's completion wakes
//! whoever awaits its handle, on whatever thread that is. tokio builds its
//! `spawn_blocking` the same way, on its own task type.
//!
//! This file knows tasks and nothing of threads: the pool (`pool.rs`)
//! decides who runs a [`Task`], and when.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::task::{self, JoinHandle, Notified, Ran, Schedule, TaskRef};

// ANCHOR: blocking_task
/// The future of a blocking job: the closure, called in the first poll.
/// It never returns `Pending`, so it never needs its waker.
pub struct BlockingTask<F> {
    func: Option<F>,
}

impl<F> Unpin for BlockingTask<F> {}

impl<F, R> Future for BlockingTask<F>
where
    F: FnOnce() -> R,
{
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let func = self
            .func
            .take()
            .expect("a blocking task is polled once: it is Ready at once");
        // A panic here unwinds into the task's `catch_unwind`, and its
        // `JoinHandle` reports it.
        Poll::Ready(func())
    }
}
// ANCHOR_END: blocking_task

/// The scheduler of a blocking task. A task's scheduler is asked to queue
/// it again when it is woken after a `Pending`, which a blocking task never
/// returns; and when its handle aborts it while it is idle, which it never
/// is (it is queued, running or complete). So nothing ever asks, and if
/// something did, the refusal makes its caller drop the entry.
pub struct NoSchedule;

impl Schedule for NoSchedule {
    fn schedule(&self, task: Notified) -> Option<Notified> {
        Some(task)
    }
}

// ANCHOR: task
/// A job in the pool's queue: the task's queue entry, and the reference
/// that a runtime's list of live tasks would hold, kept here instead so
/// that a job the pool never runs can still be shut down.
pub struct Task {
    entry: Notified,
    list: TaskRef,
}

/// Makes the task for `func`, the `id`th job of its pool.
pub fn new<F, R>(func: F, id: usize) -> (Task, JoinHandle<R>)
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let future = BlockingTask { func: Some(func) };
    let (list, entry, handle) = task::new(future, Arc::new(NoSchedule), id);
    (Task { entry, list }, handle)
}

impl Task {
    /// Runs the job on this thread: calls the closure (unless the handle
    /// aborted the job while it was queued), stores its output or its
    /// panic, and wakes whoever awaits the handle.
    pub fn run(self) {
        let Task { entry, list } = self;
        match entry.run() {
            // The entry's and the list's references, in one step.
            Ran::Completed(entry) => entry.release_with(Some(list)),
            // `Idle` would be a task that returned `Pending` or one that
            // completed while queued, `Requeue` one woken while it ran:
            // none can happen to a job, which completes in its first poll
            // and is shut down only when taken out of the queue.
            Ran::Idle | Ran::Requeue(_) => {
                unreachable!("a blocking task completes in its one poll")
            }
        }
    }

    /// Never runs the job: drops the closure unrun, and the handle reports
    /// the job cancelled.
    pub fn cancel(self) {
        // Out of the queue, so nobody is polling it: `shut_down`'s rule.
        self.list.shut_down();
        // Then both references go, the last one freeing the task if the
        // handle is gone too.
    }
}
// ANCHOR_END: task
