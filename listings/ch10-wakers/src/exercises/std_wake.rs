//! Exercise 4, a solution: a counting waker with the standard library's
//! `Wake` trait. No `unsafe`: std builds the vtable.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Wake, Waker};

// ANCHOR: std_wake
/// Counts its wakes, like `WakeCount`.
#[derive(Debug, Default)]
pub struct StdCount {
    wakes: AtomicUsize,
}

impl StdCount {
    pub fn wakes(&self) -> usize {
        self.wakes.load(Ordering::Acquire)
    }
}

impl Wake for StdCount {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::Release);
    }
}

/// std turns any `Arc<impl Wake>` into a `Waker`.
pub fn waker(count: Arc<StdCount>) -> Waker {
    Waker::from(count)
}
// ANCHOR_END: std_wake
