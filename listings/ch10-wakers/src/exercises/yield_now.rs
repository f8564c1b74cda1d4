//! Exercise 1, a solution: a future that gives other tasks a turn once,
//! like `tokio::task::yield_now`. It arranges its wake by waking itself.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

// ANCHOR: yield_now
/// Pending once, woken at once, then ready.
#[derive(Debug, Default)]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // The wake is arranged before Pending is returned: it is already
        // done. The executor will poll us again after the others' turns.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

pub fn yield_now() -> YieldNow {
    YieldNow::default()
}
// ANCHOR_END: yield_now
