//! `sleep`: a future that is ready once its deadline has passed. It
//! registers with the current runtime's timer at its first poll, keeps the
//! key of its entry, and takes the entry out when it is dropped: a sleep
//! cancelled early leaves nothing behind in the wheel.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::driver::{self, Handle};
use super::queue::Key;

// ANCHOR: sleep
/// A future that is ready once `duration` has passed (counted from this
/// call, like `tokio::time::sleep`).
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(deadline_after(duration))
}

/// A future that is ready at `deadline`.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        entry: None,
    }
}

/// Ready at its deadline. Unlike tokio's, it needs no pinning: the wheel
/// keeps its entry, and the `Sleep` only the key.
pub struct Sleep {
    deadline: Instant,
    /// The timer and the key of our entry, while registered.
    entry: Option<(Handle, Key)>,
}
// ANCHOR_END: sleep

/// `duration` from now, or about 30 years from now if that is beyond
/// the clock (a sleep "forever").
pub(super) fn deadline_after(duration: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(duration)
        .or_else(|| now.checked_add(Duration::from_secs(30 * 365 * 86_400)))
        .unwrap_or(now)
}

// ANCHOR: poll
impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Some((timer, key)) = &self.entry else {
            if Instant::now() >= self.deadline {
                return Poll::Ready(());
            }
            let Some(timer) = driver::current() else {
                panic!("`sleep` polled outside a runtime");
            };
            let key = timer.insert(self.deadline, cx.waker().clone());
            self.entry = Some((timer, key));
            return Poll::Pending;
        };
        if timer.poll_fired(*key, cx.waker()) {
            // The driver took the entry out when it fired: nothing to undo.
            self.entry = None;
            return Poll::Ready(());
        }
        Poll::Pending
    }
}
// ANCHOR_END: poll

// ANCHOR: drop
impl Drop for Sleep {
    /// Cancelled before it fired: the entry leaves the wheel now.
    fn drop(&mut self) {
        if let Some((timer, key)) = self.entry.take() {
            drop(timer.remove(key));
        }
    }
}
// ANCHOR_END: drop

// ANCHOR: reset
impl Sleep {
    /// When it is ready.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Has the deadline passed?
    pub fn is_elapsed(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Moves the deadline, as tokio's `Sleep::reset`: the entry moves in
    /// the wheel, with the waker it has, and no new allocation.
    pub fn reset(&mut self, deadline: Instant) {
        self.deadline = deadline;
        let Some((timer, key)) = self.entry.take() else {
            return; // registers at the next poll
        };
        if let Some(waker) = timer.remove(key) {
            let key = timer.insert(deadline, waker);
            self.entry = Some((timer, key));
        }
    }
}
// ANCHOR_END: reset
