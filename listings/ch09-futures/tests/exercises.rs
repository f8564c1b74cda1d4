//! The exercises' solutions.

mod common;

use std::cell::Cell;
use std::future::{Future, pending, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use ch09_futures::combinators::Either;
use ch09_futures::exercises::count_to_limit::{
    count_to_limit, count_to_limit_by_hand,
};
use ch09_futures::exercises::select::select;
use ch09_futures::exercises::sizes::{
    both_made_first, boxed_inside, in_scope_across_await, ten_in_a_loop,
};
use ch09_futures::inbox::Inbox;
use ch09_futures::sizes::{BUFFER, buffer_across_await};
use common::{SCRIPTS, run};

#[test]
fn count_to_limit_by_hand_agrees_with_the_async_fn() {
    let mut scripts: Vec<&[Option<u32>]> = SCRIPTS.to_vec();
    scripts.extend([
        &[Some(10), Some(3), None, Some(3), Some(3), None, Some(5)][..],
        &[Some(0)],
        &[Some(5), Some(u32::MAX)],
        &[Some(5), Some(1), Some(1)],
    ]);
    for script in scripts {
        let compiled = run(count_to_limit(&Inbox::new(script)));
        let by_hand = run(count_to_limit_by_hand(&Inbox::new(script)));
        assert_eq!(compiled, by_hand, "script {script:?}");
    }
    let script = &[Some(10), Some(3), None, Some(3), Some(3), None, Some(5)];
    assert_eq!(run(count_to_limit_by_hand(&Inbox::new(script))).0, Some(4));
    assert_eq!(
        run(count_to_limit_by_hand(&Inbox::new(&[Some(0)]))).0,
        Some(0)
    );
}

/// A future that notes when it is dropped.
struct Watched<F> {
    future: F,
    dropped: Rc<Cell<bool>>,
}

impl<F: Future + Unpin> Future for Watched<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        Pin::new(&mut self.future).poll(cx)
    }
}

impl<F> Drop for Watched<F> {
    fn drop(&mut self) {
        self.dropped.set(true);
    }
}

#[test]
fn select_returns_the_first_ready_and_drops_the_other() {
    let slow = Inbox::new(&[None, None, Some(1)]);
    let fast = Inbox::new(&[None, Some(2)]);
    let dropped = Rc::new(Cell::new(false));
    let loser = Watched {
        future: slow.recv(),
        dropped: dropped.clone(),
    };
    let (winner, polls) = run(select(loser, fast.recv()));
    assert!(matches!(winner, Either::Right(Some(2))));
    assert_eq!(polls, 2);
    assert!(dropped.get(), "the unfinished future was dropped");
}

#[test]
fn select_prefers_the_first_when_both_are_ready() {
    let (winner, _) = run(select(ready('a'), ready('b')));
    assert!(matches!(winner, Either::Left('a')));
    let (winner, _) = run(select(pending::<()>(), ready('b')));
    assert!(matches!(winner, Either::Right('b')));
}

#[test]
fn predicted_sizes() {
    let inbox = Inbox::new(&[]);
    let one = size_of_val(&buffer_across_await(&inbox));
    // Still in scope, and once borrowed: kept across the `.await`.
    assert!(size_of_val(&in_scope_across_await(&inbox)) > BUFFER);
    // One inner future at a time, however many times round the loop.
    let looped = size_of_val(&ten_in_a_loop(&inbox));
    assert!(looped > one && looped < one + 64);
    // Both inner futures exist while the first is awaited.
    assert!(size_of_val(&both_made_first(&inbox)) >= 2 * one);
    // A box is a pointer in the state.
    assert!(size_of_val(&boxed_inside(&inbox)) < 64);
}
