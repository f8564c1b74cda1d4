//! The exercises' solutions do what the page says. (Exercise 2's are in
//! `tests/lost_wakeup.rs`; exercise 3 is an experiment with Miri.)

use std::sync::Arc;
use std::time::Duration;

use ch10_wakers::drive;
use ch10_wakers::exercises::std_wake::{self, StdCount};
use ch10_wakers::exercises::yield_now::yield_now;

#[test]
fn yield_now_is_polled_twice_and_never_sleeps() {
    let run = drive(yield_now(), Duration::from_secs(10));
    assert_eq!(run.output, Some(()));
    assert_eq!((run.polls, run.sleeps, run.wakes), (2, 0, 1));
}

#[test]
fn std_wake_keeps_the_same_count_as_the_hand_made_waker() {
    let count = Arc::new(StdCount::default());
    let weak = Arc::downgrade(&count);
    let waker = std_wake::waker(Arc::clone(&count));
    assert_eq!(Arc::strong_count(&count), 2);
    let second = waker.clone();
    assert_eq!(Arc::strong_count(&count), 3);
    second.wake_by_ref();
    assert_eq!((Arc::strong_count(&count), count.wakes()), (3, 1));
    second.wake();
    assert_eq!((Arc::strong_count(&count), count.wakes()), (2, 2));
    drop(waker);
    assert_eq!(Arc::strong_count(&count), 1);
    drop(count);
    assert!(weak.upgrade().is_none());
}
