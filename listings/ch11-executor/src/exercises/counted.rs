//! Exercise 2, a solution: count how often each task is polled, without
//! touching the executor: wrap the future.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

// ANCHOR: counted
/// `future`, counting its polls in the returned counter.
pub fn counted<F: Future>(
    future: F,
) -> (impl Future<Output = F::Output>, Arc<AtomicU64>) {
    let polls = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&polls);
    let wrapped = async move {
        let mut future = pin!(future);
        poll_fn(|cx| {
            counter.fetch_add(1, Ordering::Relaxed);
            future.as_mut().poll(cx)
        })
        .await
    };
    (wrapped, polls)
}
// ANCHOR_END: counted
