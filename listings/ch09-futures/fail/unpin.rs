use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Waker};

use ch09_futures::inbox::Inbox;
use ch09_futures::pinned::sum_later;

fn main() {
    let inbox = Inbox::new(&[None, Some(4)]);
    let mut cx = Context::from_waker(Waker::noop());
    let mut future = sum_later(&inbox);
    // Poll it where it lies, as if it were safe to move afterwards.
    let _ = Pin::new(&mut future).poll(&mut cx);
    let moved = future;
    let _ = std::pin::pin!(moved).poll(&mut cx);
}
