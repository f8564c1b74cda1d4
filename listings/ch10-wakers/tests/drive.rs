//! The driver re-polls only after a wake, keeps a wake that arrives during a
//! poll, and reports a future nobody wakes instead of hanging.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;

use ch10_wakers::drive;

const SHORT: Duration = Duration::from_millis(50);
const LONG: Duration = Duration::from_secs(10);

#[test]
fn a_ready_future_is_polled_once() {
    let run = drive(std::future::ready(5), LONG);
    assert_eq!((run.output, run.polls, run.sleeps), (Some(5), 1, 0));
}

#[test]
fn a_future_that_arranges_no_wake_is_never_polled_again() {
    let run = drive(std::future::pending::<()>(), SHORT);
    assert_eq!((run.output, run.polls, run.wakes), (None, 1, 0));
}

/// Pending the first time; its waker goes to a thread that wakes it and
/// is joined before `poll` returns, so the wake lands before `Pending`.
struct WokenBeforePending {
    polled: bool,
}

impl Future for WokenBeforePending {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.polled {
            return Poll::Ready(());
        }
        self.polled = true;
        let waker = cx.waker().clone();
        thread::spawn(move || waker.wake())
            .join()
            .expect("the waking thread panicked");
        Poll::Pending
    }
}

#[test]
fn a_wake_before_pending_is_kept_and_the_driver_does_not_sleep() {
    let run = drive(WokenBeforePending { polled: false }, LONG);
    assert_eq!(run.output, Some(()));
    assert_eq!((run.polls, run.sleeps, run.wakes), (2, 0, 1));
}

#[test]
fn a_wake_from_another_thread_ends_the_sleep() {
    let (tx, rx) = ch10_wakers::oneshot::channel();
    let sender = thread::spawn(move || {
        thread::sleep(SHORT);
        tx.send("hello");
    });
    let run = drive(rx, LONG);
    assert_eq!(run.output, Some(Ok("hello")));
    assert_eq!((run.polls, run.wakes), (2, 1));
    sender.join().expect("the sender panicked");
}

#[test]
fn many_wakes_before_a_poll_make_one_poll() {
    let mut polls = 0;
    let future = poll_fn(|cx| {
        polls += 1;
        if polls == 2 {
            return Poll::Ready(());
        }
        for _ in 0..100 {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    });
    let run = drive(future, LONG);
    assert_eq!((run.polls, run.wakes), (2, 100), "wakes coalesce");
}
