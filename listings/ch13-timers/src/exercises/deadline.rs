//! Exercise 2: `timeout_at`, so that several steps share one deadline.

use std::future::IntoFuture;
use std::time::Instant;

use crate::time::{self, Timeout};

// ANCHOR: timeout_at
/// Runs `future` until `deadline`, like `tokio::time::timeout_at`.
pub fn timeout_at<F: IntoFuture>(
    deadline: Instant,
    future: F,
) -> Timeout<F::IntoFuture> {
    // `timeout` adds this back to a later `Instant::now()`: the deadline
    // it sets is a few nanoseconds later than ours, never earlier.
    time::timeout(deadline.saturating_duration_since(Instant::now()), future)
}
// ANCHOR_END: timeout_at
