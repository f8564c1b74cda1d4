//! What this chapter's wakers wake: a count of wakes behind an `Arc`. The
//! hand-made waker of [`crate::raw`] points at it, and so does
//! futures-task's, through the `ArcWake` implementation at the end.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_task::ArcWake;

// ANCHOR: wake_count
/// What our wakers wake: a counter, shared through an `Arc`. Chapter 11
/// puts a task here; a counter is enough to see every wake arrive.
#[derive(Debug, Default)]
pub struct WakeCount {
    wakes: AtomicUsize,
}

impl WakeCount {
    pub fn new() -> Arc<WakeCount> {
        Arc::new(WakeCount::default())
    }

    /// How many times a waker pointing here has woken it.
    pub fn wakes(&self) -> usize {
        self.wakes.load(Ordering::Acquire)
    }

    /// What a wake does. `Release` pairs with `wakes`' `Acquire`: whoever
    /// sees the count also sees what the waking thread wrote before it.
    pub fn record_wake(&self) {
        self.wakes.fetch_add(1, Ordering::Release);
    }
}
// ANCHOR_END: wake_count

// ANCHOR: arc_wake
impl ArcWake for WakeCount {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.record_wake();
    }
}
// ANCHOR_END: arc_wake
