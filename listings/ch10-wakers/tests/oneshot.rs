//! The oneshot channel keeps the rules of wakers: a waker stored before
//! every `Pending`, the latest waker kept, wakes from any thread, and no
//! send lost between a look and a registration. Runs under Miri too.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use ch10_wakers::oneshot::{self, Closed, Receiver};
use ch10_wakers::{WakeCount, drive, raw};

fn poll_once(
    rx: &mut Receiver<u32>,
    waker: &Waker,
) -> Poll<Result<u32, Closed>> {
    Pin::new(rx).poll(&mut Context::from_waker(waker))
}

#[test]
fn a_value_sent_before_the_first_poll_is_ready_at_once() {
    let (tx, mut rx) = oneshot::channel();
    tx.send(7);
    assert_eq!(poll_once(&mut rx, Waker::noop()), Poll::Ready(Ok(7)));
}

#[test]
fn pending_only_with_a_waker_stored() {
    let (tx, mut rx) = oneshot::channel();
    let count = WakeCount::new();
    let waker = raw::waker(Arc::clone(&count));
    assert!(poll_once(&mut rx, &waker).is_pending());
    assert!(rx.has_waker());
    assert_eq!(Arc::strong_count(&count), 3, "the receiver keeps a clone");
    tx.send(7);
    assert_eq!(count.wakes(), 1);
    assert_eq!(Arc::strong_count(&count), 2, "send used the clone up");
    assert_eq!(poll_once(&mut rx, &waker), Poll::Ready(Ok(7)));
}

#[test]
fn the_same_task_polling_again_costs_no_clone() {
    let (_tx, mut rx) = oneshot::channel();
    let count = WakeCount::new();
    let waker = raw::waker(Arc::clone(&count));
    assert!(poll_once(&mut rx, &waker).is_pending());
    assert!(poll_once(&mut rx, &waker.clone()).is_pending());
    assert_eq!(
        Arc::strong_count(&count),
        3,
        "will_wake kept the stored one"
    );
}

#[test]
fn the_latest_waker_wins() {
    let (tx, mut rx) = oneshot::channel();
    let (a, b) = (WakeCount::new(), WakeCount::new());
    let (waker_a, waker_b) = (raw::waker(a.clone()), raw::waker(b.clone()));
    assert!(poll_once(&mut rx, &waker_a).is_pending());
    assert!(poll_once(&mut rx, &waker_b).is_pending());
    assert_eq!(Arc::strong_count(&a), 2, "task A's clone was dropped");
    tx.send(7);
    assert_eq!((a.wakes(), b.wakes()), (0, 1), "only task B is woken");
}

#[test]
fn a_dropped_sender_wakes_the_receiver_with_an_error() {
    let (tx, mut rx) = oneshot::channel::<u32>();
    let count = WakeCount::new();
    let waker = raw::waker(Arc::clone(&count));
    assert!(poll_once(&mut rx, &waker).is_pending());
    drop(tx);
    assert_eq!(count.wakes(), 1);
    assert_eq!(poll_once(&mut rx, &waker), Poll::Ready(Err(Closed)));
}

#[test]
fn sends_from_other_threads_always_arrive() {
    let rounds = if cfg!(miri) { 10 } else { 500 };
    for round in 0..rounds {
        let (tx, rx) = oneshot::channel();
        let sender = thread::spawn(move || tx.send(round));
        let run = drive(rx, Duration::from_secs(10));
        assert_eq!(run.output, Some(Ok(round)), "lost a send: {run:?}");
        sender.join().expect("the sender panicked");
    }
}
