//! Exercise 1: a blocking job with a time limit. The caller stops waiting
//! when the limit passes; the job cannot be stopped from outside (a thread
//! in a system call cannot be interrupted safely), so it gets a flag that
//! says the caller has given up, and may check it between steps.

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;
use std::time::Duration;

use crate::blocking::spawn_blocking;
use crate::task::JoinError;
use crate::time::sleep;

// ANCHOR: timeout
/// Why a job with a time limit gave no value.
#[derive(Debug)]
pub enum Failed {
    /// The limit passed first. The job was told, and may still be running.
    TimedOut,
    /// The job panicked or was cancelled.
    Join(JoinError),
}

/// What a job may ask while it runs: has its caller given up?
#[derive(Clone, Default)]
pub struct GivenUp(Arc<AtomicBool>);

impl GivenUp {
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// Runs `func` on the blocking pool and waits at most `limit` for it.
pub async fn spawn_blocking_timeout<F, R>(
    limit: Duration,
    func: F,
) -> Result<R, Failed>
where
    F: FnOnce(&GivenUp) -> R + Send + 'static,
    R: Send + 'static,
{
    let given_up = GivenUp::default();
    let flag = given_up.clone();
    let mut job = spawn_blocking(move || func(&flag));
    let mut timer = pin!(sleep(limit));
    // Both are polled with the task's waker: whichever is ready first
    // wakes the task.
    poll_fn(|cx| {
        if let Poll::Ready(done) = Pin::new(&mut job).poll(cx) {
            return Poll::Ready(done.map_err(Failed::Join));
        }
        if timer.as_mut().poll(cx).is_ready() {
            given_up.0.store(true, Ordering::Release);
            return Poll::Ready(Err(Failed::TimedOut));
        }
        Poll::Pending
    })
    .await
    // Dropping the handle here detaches the job: it runs on, and its
    // output is dropped when it ends.
}
// ANCHOR_END: timeout
