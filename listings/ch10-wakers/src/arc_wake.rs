//! The same waker as [`crate::raw`], from `futures-task`: implement
//! `ArcWake` (safe code), and `futures_task::waker` or `waker_ref` builds
//! the `Waker` with the crate's own, tested vtable.

use std::sync::Arc;

use futures_task::ArcWake;

use crate::raw::WakeCount;

// ANCHOR: arc_wake
impl ArcWake for WakeCount {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.record_wake();
    }
}
// ANCHOR_END: arc_wake
