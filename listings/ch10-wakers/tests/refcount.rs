//! The hand-made waker of `src/raw.rs` keeps the `Arc`'s reference count
//! exact: `clone` adds one, `wake` uses one up, `wake_by_ref` leaves it
//! alone, `drop` gives one back, and the last one frees the `WakeCount`.
//! Run under Miri too (`cargo xtask test --only miri`), which also fails on
//! any use after free, double free or leak.

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::thread;

use ch10_wakers::{WakeCount, raw};

/// The strong count and the wakes so far.
fn counts(count: &Arc<WakeCount>) -> (usize, usize) {
    (Arc::strong_count(count), count.wakes())
}

// ANCHOR: counted
#[test]
fn each_operation_moves_the_count_as_the_contract_says() {
    let count = WakeCount::new();
    let weak = Arc::downgrade(&count);
    assert_eq!(counts(&count), (1, 0));

    let waker = raw::waker(Arc::clone(&count));
    assert_eq!(counts(&count), (2, 0), "the waker owns one reference");

    let second = waker.clone();
    assert_eq!(counts(&count), (3, 0), "clone adds one");

    second.wake_by_ref();
    assert_eq!(counts(&count), (3, 1), "wake_by_ref leaves the count");

    second.wake();
    assert_eq!(counts(&count), (2, 2), "wake uses the waker's one up");

    drop(waker);
    assert_eq!(counts(&count), (1, 2), "drop gives one back");

    drop(count);
    assert!(weak.upgrade().is_none(), "the last reference freed it");
}
// ANCHOR_END: counted

#[test]
fn two_wakers_for_one_count_will_wake_the_same_task() {
    let count = WakeCount::new();
    let waker = raw::waker(Arc::clone(&count));
    let clone = waker.clone();
    let other = raw::waker(WakeCount::new());
    assert!(waker.will_wake(&clone), "same data, same static vtable");
    assert!(!waker.will_wake(&other), "another WakeCount");
    assert!(!waker.will_wake(Waker::noop()), "another vtable");
}

/// A future that keeps a clone of the waker it is polled with, as an event
/// source would.
struct KeepsWaker(Option<Waker>);

impl Future for KeepsWaker {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        self.0 = Some(cx.waker().clone());
        Poll::Pending
    }
}

#[test]
fn a_future_that_keeps_the_waker_keeps_a_reference() {
    let count = WakeCount::new();
    let waker = raw::waker(Arc::clone(&count));
    let mut future = Box::pin(KeepsWaker(None));
    let mut cx = Context::from_waker(&waker);
    assert!(future.as_mut().poll(&mut cx).is_pending());
    assert_eq!(
        Arc::strong_count(&count),
        3,
        "ours, the waker's, the kept one"
    );
    // Polled again: the kept clone is replaced, the count stays.
    assert!(future.as_mut().poll(&mut cx).is_pending());
    assert_eq!(Arc::strong_count(&count), 3);
    drop(future);
    drop(waker);
    assert_eq!(Arc::strong_count(&count), 1);
}

#[test]
fn clones_woken_and_dropped_on_other_threads_add_up() {
    let threads = 4;
    let rounds = if cfg!(miri) { 20 } else { 10_000 };
    let count = WakeCount::new();
    let waker = raw::waker(Arc::clone(&count));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let waker = waker.clone();
            thread::spawn(move || {
                for round in 0..rounds {
                    let clone = waker.clone();
                    if round % 2 == 0 {
                        clone.wake();
                    } else {
                        clone.wake_by_ref();
                    }
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().expect("a waking thread panicked");
    }
    assert_eq!(count.wakes(), threads * rounds);
    drop(waker);
    assert_eq!(
        Arc::strong_count(&count),
        1,
        "every clone gave its one back"
    );
}
