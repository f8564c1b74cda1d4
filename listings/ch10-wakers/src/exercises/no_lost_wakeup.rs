//! Exercise 2, a solution: the flag of [`super::lost_wakeup`], with its
//! lock-free fast path kept and its lost wakeup fixed.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

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

// ANCHOR: poll
impl Future for Wait {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.set.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        // Register first ...
        let waker = cx.waker().clone();
        *self.0.waker.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(waker);
        // ... then look again. Either `set` takes the lock after us and
        // finds the waker, or it took the lock before us, and then its
        // `true` was stored before our load below, which sees it.
        if self.0.set.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}
// ANCHOR_END: poll
