//! The hand-made waker's reference count after each operation of the
//! `Waker` API. Usage: `refcounts`.

use std::sync::Arc;

use ch10_wakers::{WakeCount, raw};

// ANCHOR: main
fn main() {
    let count = WakeCount::new();
    let show = |step: &str| {
        let strong = Arc::strong_count(&count);
        println!("{step:<38} {strong:>6} {:>6}", count.wakes());
    };
    println!("{:<38} {:>6} {:>6}", "after", "strong", "wakes");
    show("WakeCount::new()");
    let waker = raw::waker(Arc::clone(&count));
    show("let waker = raw::waker(count.clone())");
    let second = waker.clone();
    show("let second = waker.clone()");
    second.wake_by_ref();
    show("second.wake_by_ref()");
    second.wake();
    show("second.wake()");
    drop(waker);
    show("drop(waker)");
}
// ANCHOR_END: main
