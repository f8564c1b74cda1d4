//! Exercise 3, a solution: `timeout`, a race between a future and a
//! `sleep`, like `tokio::time::timeout`.

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use crate::time::sleep;

/// The deadline passed first.
#[derive(Debug, PartialEq, Eq)]
pub struct Elapsed;

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

// ANCHOR: timeout
/// `future`'s output, or `Err(Elapsed)` if `duration` passes first; the
/// future is then dropped, which cancels it.
pub async fn timeout<F: Future>(
    duration: Duration,
    future: F,
) -> Result<F::Output, Elapsed> {
    let mut future = pin!(future);
    let mut deadline = pin!(sleep(duration));
    poll_fn(|cx| {
        // The future first: one that is ready at the deadline still wins.
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        // Both leave the same waker: whichever fires, we are polled again.
        deadline.as_mut().poll(cx).map(|()| Err(Elapsed))
    })
    .await
}
// ANCHOR_END: timeout
