//! The hand-written combinators, and `add_two` written with them.

mod common;

use std::cell::RefCell;
use std::future::{Future, Pending, Ready, pending, ready};
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Waker};

use ch09_futures::add_two::add_two;
use ch09_futures::combinators::{Either, FutureExt, join};
use ch09_futures::counted::{
    Stats, add_two_chained, add_two_counted, add_two_counted_chained,
};
use ch09_futures::inbox::Inbox;
use ch09_futures::yield_now::yield_now;
use common::{SCRIPTS, run};

#[test]
fn map_applies_the_closure_to_the_output() {
    assert_eq!(run(ready(20).map(|n| n + 1)), (21, 1));
    let inbox = Inbox::new(&[None, Some(2)]);
    assert_eq!(run(inbox.recv().map(|n| n.map(|n| n * 10))), (Some(20), 2));
}

#[test]
fn and_then_runs_the_second_future_after_the_first() {
    let inbox = Inbox::new(&[None, Some(1), None, Some(2)]);
    let chain = inbox
        .recv()
        .and_then(|first| inbox.recv().map(move |second| (first, second)));
    assert_eq!(run(chain), ((Some(1), Some(2)), 3));
}

#[test]
fn join_waits_for_both_whichever_finishes_first() {
    let slow = Inbox::new(&[None, None, Some(1)]);
    let fast = Inbox::new(&[Some(2)]);
    assert_eq!(run(join(slow.recv(), fast.recv())), ((Some(1), Some(2)), 3));
    let slow = Inbox::new(&[None, None, Some(1)]);
    let fast = Inbox::new(&[Some(2)]);
    assert_eq!(run(join(fast.recv(), slow.recv())), ((Some(2), Some(1)), 3));
    // The finished one is not polled again: `fast` saw one attempt.
    assert_eq!(fast.attempts(), 1);
}

#[test]
fn either_polls_the_future_it_holds() {
    let left: Either<_, Pending<u8>> = Either::Left(ready(1));
    assert_eq!(run(left).0, 1);
    let right: Either<Pending<u8>, _> = Either::Right(ready(2));
    assert_eq!(run(right).0, 2);
    let never: Either<_, Ready<u8>> = Either::Left(pending());
    let mut never = pin!(never);
    let mut cx = Context::from_waker(Waker::noop());
    assert!(never.as_mut().poll(&mut cx).is_pending());
    assert!(never.as_mut().poll(&mut cx).is_pending());
}

#[test]
fn the_chain_behaves_like_the_async_fn() {
    for &script in SCRIPTS {
        let chained = run(add_two_chained(&Inbox::new(script)));
        let compiled = run(add_two(&Inbox::new(script)));
        assert_eq!(chained, compiled, "script {script:?}");
    }
}

#[test]
fn shared_state_counts_the_same_both_ways() {
    for &script in SCRIPTS {
        let shared = Rc::new(RefCell::new(Stats::default()));
        let chained =
            run(add_two_counted_chained(&Inbox::new(script), shared.clone()));
        let mut stats = Stats::default();
        let compiled = run(add_two_counted(&Inbox::new(script), &mut stats));
        assert_eq!(chained, compiled, "script {script:?}");
        assert_eq!(*shared.borrow(), stats, "script {script:?}");
    }
}

#[test]
fn yield_now_is_pending_once() {
    assert_eq!(run(yield_now()), ((), 2));
}
