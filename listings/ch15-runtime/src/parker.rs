//! Sleeping until woken: a `Parker` for the executor's thread and an
//! `Unparker` for whoever wakes it, from any thread.
//!
//! `std::thread::park` does the sleeping, but it promises less than an
//! executor needs. It may return although nobody called `unpark` (a
//! *spurious* wakeup), and its one token is shared with any other code on
//! the same thread that parks (a blocking `std::sync::mpsc::recv` inside
//! a future does). So the parker keeps a flag of its own, set by `unpark`
//! and consumed by `park`, and `park` sleeps until it finds the flag set.
//! The flag also covers the other race: an `unpark` that comes before the
//! `park` it is meant for leaves the flag set, and that `park` returns at
//! once.
//!
//! This file uses nothing of the crate but `crate::sync`, so that
//! `tests/loom.rs` can compile it against loom's atomics and threads.

use crate::sync::Ordering::{Acquire, Release};
use crate::sync::thread::{self, Thread};
use crate::sync::{Arc, AtomicBool};

/// Puts the thread that made it to sleep until an [`Unparker`] wakes it.
/// It stays on that thread (it is neither `Send` nor `Sync`).
pub struct Parker {
    inner: Arc<Inner>,
    _not_send: std::marker::PhantomData<*const ()>,
}

/// Wakes the parker's thread, from any thread.
#[derive(Clone)]
pub struct Unparker {
    inner: Arc<Inner>,
}

struct Inner {
    /// Set by `unpark`, consumed by `park`: "there is news".
    notified: AtomicBool,
    /// The thread to wake.
    thread: Thread,
}

impl Parker {
    /// A parker for the calling thread.
    pub fn new() -> Parker {
        Parker {
            inner: Arc::new(Inner {
                notified: AtomicBool::new(false),
                thread: thread::current(),
            }),
            _not_send: std::marker::PhantomData,
        }
    }

    pub fn unparker(&self) -> Unparker {
        Unparker {
            inner: Arc::clone(&self.inner),
        }
    }

    // ANCHOR: park
    /// Sleeps until `unpark` has been called since the last `park`
    /// returned, and consumes that call. Returns at once if it already
    /// happened (wake before park).
    pub fn park(&self) {
        // `swap` reads and clears the flag in one step, so each unpark is
        // consumed exactly once. Acquire: whatever the waker did before its
        // `unpark` (queue a task, say) is visible once we see the flag.
        while !self.inner.notified.swap(false, Acquire) {
            // Returns after an unpark, or spuriously, or because other code
            // on this thread used the thread's token: the flag decides.
            thread::park();
        }
    }
    // ANCHOR_END: park

    /// Like [`park`](Parker::park), but gives up after `timeout`; returns
    /// whether it was unparked.
    #[cfg(not(loom))]
    pub fn park_timeout(&self, timeout: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if self.inner.notified.swap(false, Acquire) {
                return true;
            }
            let left =
                deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return false;
            }
            thread::park_timeout(left);
        }
    }
}

impl Default for Parker {
    fn default() -> Parker {
        Parker::new()
    }
}

// ANCHOR: unpark
impl Unparker {
    /// Wakes the parker's thread if it sleeps in `park`, or makes its next
    /// `park` return at once.
    pub fn unpark(&self) {
        // Only the call that raises the flag needs to wake the thread: if it
        // was up already, an earlier unpark has done so, and `park` will
        // find the flag before it sleeps.
        if !self.inner.notified.swap(true, Release) {
            self.inner.thread.unpark();
        }
    }
}
// ANCHOR_END: unpark
