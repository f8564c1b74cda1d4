//! Exercise 4, a solution: the counting waker once more, with the standard
//! library's `Wake` trait: no `unsafe`, and std's own vtable.

use std::sync::Arc;
use std::task::Wake;

use crate::raw::WakeCount;

// ANCHOR: std_wake
impl Wake for WakeCount {
    fn wake(self: Arc<Self>) {
        self.record_wake();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.record_wake();
    }
}
// ANCHOR_END: std_wake
