//! Rule 2: the waker of the latest poll is the one to wake. One oneshot
//! receiver is polled by task A, again by task A, then by task B (as when a
//! future moves from one task to another); the send must wake B. Usage:
//! `rule-latest`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Context;

use ch10_wakers::{WakeCount, oneshot};
use futures_task::waker_ref;

// ANCHOR: main
fn main() {
    let (a, b) = (WakeCount::new(), WakeCount::new());
    let (tx, mut rx) = oneshot::channel();
    // `waker_ref` owns no reference: every count above 1 is a clone that
    // the receiver keeps.
    let show = |step: &str| {
        let kept = |task: &Arc<WakeCount>| Arc::strong_count(task) - 1;
        println!(
            "{step:<20} {:>7} {:>7} {:>8} {:>8}",
            kept(&a),
            kept(&b),
            a.wakes(),
            b.wakes()
        );
    };
    println!("after                 kept A  kept B  wakes A  wakes B");
    let mut poll_as = |task: &Arc<WakeCount>| {
        let waker = waker_ref(task);
        let mut cx = Context::from_waker(&waker);
        assert!(Pin::new(&mut rx).poll(&mut cx).is_pending());
    };
    poll_as(&a);
    show("task A polls");
    poll_as(&a);
    show("task A polls again");
    poll_as(&b);
    show("task B polls");
    tx.send(42);
    show("send(42)");
}
// ANCHOR_END: main
