// Does not compile, on purpose: chapter 10 shows the compiler refusing it.
// The library's `must_not_compile` doctest and the book's check that it
// fails.
use std::cell::Cell;
use std::sync::Arc;

use futures_task::ArcWake;

// ANCHOR: not_sync
/// A wake counter without atomics: `Cell` is not `Sync`.
struct CellCount {
    wakes: Cell<usize>,
}

impl ArcWake for CellCount {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.wakes.set(arc_self.wakes.get() + 1);
    }
}
// ANCHOR_END: not_sync

fn main() {}
