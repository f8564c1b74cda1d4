//! The exercises' solutions do what the page says. (Exercise 2's are in
//! `tests/lost_wakeup.rs`; exercise 3 is an experiment with Miri.)

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use ch10_wakers::exercises::delay::Delay;
use ch10_wakers::exercises::std_wake::{self, StdCount};
use ch10_wakers::{WakeCount, drive};
use futures_task::waker_ref;

#[test]
fn a_delay_is_ready_after_its_duration_and_woken_once() {
    let duration = Duration::from_millis(if cfg!(miri) { 5 } else { 50 });
    let start = Instant::now();
    let run = drive(Delay::new(duration), Duration::from_secs(10));
    assert!(start.elapsed() >= duration, "ready too early");
    assert_eq!(run.output, Some(()));
    // Normally two polls and one wake; one poll and no wake if the first
    // poll came late, after the timer thread had already finished.
    assert!(run.polls <= 2, "{run}");
    assert_eq!(run.wakes, run.polls - 1, "one wake per Pending: {run}");
}

#[test]
fn a_delay_wakes_the_task_that_polled_it_last() {
    let (a, b) = (WakeCount::new(), WakeCount::new());
    // Long enough that the timer cannot fire between the two polls.
    let mut delay = Delay::new(Duration::from_millis(300));
    assert!(poll_once(&mut delay, &waker_ref(&a)).is_pending());
    assert!(poll_once(&mut delay, &waker_ref(&b)).is_pending());
    let deadline = Instant::now() + Duration::from_secs(10);
    while b.wakes() == 0 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(1));
    }
    assert_eq!((a.wakes(), b.wakes()), (0, 1));
    assert!(poll_once(&mut delay, &waker_ref(&b)).is_ready());
}

fn poll_once(delay: &mut Delay, waker: &Waker) -> Poll<()> {
    Pin::new(delay).poll(&mut Context::from_waker(waker))
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
