//! The smallest leaf future that waits: `Pending` once, `Ready` the next
//! time (tokio has one by the same name).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Returns a future that is `Pending` on its first poll and `Ready` on the
/// next: a step aside that lets a driver do something else in between.
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future [`yield_now`] returns.
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
        // Ready on the next poll: ask for one.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
