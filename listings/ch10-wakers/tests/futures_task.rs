//! futures-task's wakers keep the same count as the hand-made one, and
//! `waker_ref` costs no reference at all.

use std::sync::Arc;
use std::task::Waker;

use ch10_wakers::{WakeCount, raw};
use futures_task::{waker, waker_ref};

fn counts(count: &Arc<WakeCount>) -> (usize, usize) {
    (Arc::strong_count(count), count.wakes())
}

#[test]
fn waker_keeps_the_same_count_as_the_hand_made_one() {
    let count = WakeCount::new();
    let owned = waker(Arc::clone(&count));
    assert_eq!(counts(&count), (2, 0));
    let second = owned.clone();
    assert_eq!(counts(&count), (3, 0));
    second.wake_by_ref();
    assert_eq!(counts(&count), (3, 1));
    second.wake();
    assert_eq!(counts(&count), (2, 2));
    drop(owned);
    assert_eq!(counts(&count), (1, 2));
}

// ANCHOR: waker_ref
#[test]
fn waker_ref_borrows_the_arc_and_takes_no_reference() {
    let count = WakeCount::new();
    let kept: Waker = {
        let borrowed = waker_ref(&count);
        assert_eq!(Arc::strong_count(&count), 1, "a borrowed waker owns none");
        borrowed.wake_by_ref();
        assert_eq!(counts(&count), (1, 1));
        // A future that keeps the waker clones it: the clone owns one.
        borrowed.clone()
    };
    assert_eq!(Arc::strong_count(&count), 2);
    kept.wake();
    assert_eq!(counts(&count), (1, 2));
}
// ANCHOR_END: waker_ref

#[test]
fn will_wake_knows_its_own_vtable_only() {
    let count = WakeCount::new();
    let borrowed = waker_ref(&count);
    let owned = waker(Arc::clone(&count));
    assert!(
        borrowed.will_wake(&owned),
        "same Arc, the crate's one vtable"
    );
    let hand_made = raw::waker(Arc::clone(&count));
    assert!(
        !owned.will_wake(&hand_made),
        "same Arc, but another vtable: will_wake cannot tell"
    );
}
