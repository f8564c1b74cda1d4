//! Lost wakeups, on demand. `interleave::poll_with_gap` lets the setting
//! thread run exactly between the future's look at the flag and the moment
//! its waker is stored, every time, with channels and timeouts rather than
//! luck. The buggy flag of exercise 2 loses the wake there, and its test is
//! expected to fail (`should_panic`); the solution never loses it. Runs
//! under Miri too.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use ch10_wakers::exercises::{lost_wakeup, no_lost_wakeup};
use ch10_wakers::interleave::{GapRun, RanAt, poll_with_gap};
use ch10_wakers::{WakeCount, drive, raw};

/// No wake lost: once the setter has finished, the future is either ready
/// or its task has been woken, so that it will be polled and see the flag.
/// Polls `future` once with `waker`.
fn poll_once<F: Future + Unpin>(
    future: &mut F,
    waker: &Waker,
) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

fn assert_no_lost_wake(run: &GapRun<()>) {
    assert!(
        run.poll.is_ready() || run.wakes > 0,
        "lost the wake: the flag is set, the poll returned Pending, and no \
         wake came ({run:?})"
    );
}

// ANCHOR: should_panic
#[test]
#[should_panic(expected = "lost the wake")]
fn check_then_register_loses_the_wake() {
    let flag = lost_wakeup::Flag::new();
    let mut wait = flag.wait();
    let setter = Arc::clone(&flag);
    let run = poll_with_gap(Pin::new(&mut wait), move || setter.set());
    assert_eq!(run.ran_at, RanAt::InsideClone, "the set ran in the gap");
    assert_no_lost_wake(&run);
}
// ANCHOR_END: should_panic

#[test]
fn register_then_check_keeps_the_wake_that_falls_in_the_gap() {
    let flag = no_lost_wakeup::Flag::new();
    let mut wait = flag.wait();
    let setter = Arc::clone(&flag);
    let run = poll_with_gap(Pin::new(&mut wait), move || setter.set());
    assert_eq!(run.ran_at, RanAt::InsideClone, "the set ran in the gap");
    assert_no_lost_wake(&run);
    assert!(run.poll.is_ready(), "the second look saw the flag");
}

#[test]
fn register_then_check_sees_a_flag_set_before_the_poll() {
    let flag = no_lost_wakeup::Flag::new();
    flag.set();
    let mut wait = flag.wait();
    let run = poll_with_gap(Pin::new(&mut wait), || {});
    assert_eq!(run.ran_at, RanAt::AfterPoll, "the fast path clones nothing");
    assert!(run.poll.is_ready());
}

#[test]
fn register_then_check_is_woken_by_a_set_after_pending() {
    let flag = no_lost_wakeup::Flag::new();
    let count = WakeCount::new();
    let waker = raw::waker(Arc::clone(&count));
    let mut wait = flag.wait();
    let poll = poll_once(&mut wait, &waker);
    assert!(poll.is_pending());
    let setter = Arc::clone(&flag);
    thread::spawn(move || setter.set())
        .join()
        .expect("the setter panicked");
    assert_eq!(count.wakes(), 1);
    assert!(poll_once(&mut wait, &waker).is_ready());
}

#[test]
fn register_then_check_never_loses_a_race_with_a_real_thread() {
    let rounds = if cfg!(miri) { 10 } else { 500 };
    for _ in 0..rounds {
        let flag = no_lost_wakeup::Flag::new();
        let setter = Arc::clone(&flag);
        let wait = flag.wait();
        let set = thread::spawn(move || setter.set());
        let run = drive(wait, Duration::from_secs(10));
        assert_eq!(run.output, Some(()), "lost a wake: {run:?}");
        set.join().expect("the setter panicked");
    }
}
