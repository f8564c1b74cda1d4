//! A count-down latch: the feeder waits on it until every task is waiting.

use std::sync::{Condvar, Mutex, PoisonError};

/// Opens once `count` arrivals have been announced.
pub struct Latch {
    remaining: Mutex<usize>,
    opened: Condvar,
}

impl Latch {
    pub fn new(count: usize) -> Self {
        Latch {
            remaining: Mutex::new(count),
            opened: Condvar::new(),
        }
    }

    /// Announces `arrivals` tasks that are about to wait.
    pub fn arrive(&self, arrivals: usize) {
        // A poisoned lock still holds a valid count: a panicking task must
        // not stop the others from being counted.
        let mut remaining = self
            .remaining
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *remaining = remaining.saturating_sub(arrivals);
        if *remaining == 0 {
            self.opened.notify_all();
        }
    }

    /// Blocks until every arrival has been announced.
    pub fn wait(&self) {
        let remaining = self
            .remaining
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let _open = self
            .opened
            .wait_while(remaining, |remaining| *remaining > 0)
            .unwrap_or_else(PoisonError::into_inner);
    }
}
