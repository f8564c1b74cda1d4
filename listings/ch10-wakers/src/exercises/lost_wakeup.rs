//! Exercise 2, the starting point: a flag that one thread sets and a task
//! waits for, with a lock-free fast path. It has a bug on purpose: it loses
//! wakes. `tests/lost_wakeup.rs` shows which interleaving does it, with a
//! test that is expected to fail (`#[should_panic]`).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

// ANCHOR: flag
/// Set once, from any thread; a task waits for it with [`Flag::wait`].
#[derive(Debug, Default)]
pub struct Flag {
    set: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Flag {
    pub fn new() -> Arc<Flag> {
        Arc::default()
    }

    /// Sets the flag and wakes the waiting task.
    pub fn set(&self) {
        self.set.store(true, Ordering::Release);
        let waiting = self
            .waker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(waker) = waiting {
            waker.wake();
        }
    }

    /// A future that completes once the flag is set.
    pub fn wait(self: &Arc<Self>) -> Wait {
        Wait(Arc::clone(self))
    }
}

/// The future of [`Flag::wait`].
#[derive(Debug)]
pub struct Wait(Arc<Flag>);
// ANCHOR_END: flag

// ANCHOR: poll
impl Future for Wait {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // The fast path: a flag that is already set costs no lock.
        if self.0.set.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        let waker = cx.waker().clone();
        *self.0.waker.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(waker);
        Poll::Pending
    }
}
// ANCHOR_END: poll
