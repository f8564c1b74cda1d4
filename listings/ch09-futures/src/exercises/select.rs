//! Exercise 2: `select`, a combinator that races two futures.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::combinators::Either;

// ANCHOR: select
/// Runs `a` and `b` at the same time, and is ready as soon as either is:
/// with `Either::Left` of `a`'s output or `Either::Right` of `b`'s. The
/// other future is dropped unfinished, which cancels it. When both are
/// ready in the same poll, `a` wins.
pub fn select<A, B>(a: A, b: B) -> Select<A, B>
where
    A: Future + Unpin,
    B: Future + Unpin,
{
    Select {
        racing: Some((a, b)),
    }
}

/// The future [`select`] returns.
pub struct Select<A, B> {
    /// Both futures until one finishes; then `None`.
    racing: Option<(A, B)>,
}

impl<A, B> Future for Select<A, B>
where
    A: Future + Unpin,
    B: Future + Unpin,
{
    type Output = Either<A::Output, B::Output>;

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Self::Output> {
        let (a, b) = self
            .racing
            .as_mut()
            .expect("`Select` polled after it returned");
        if let Poll::Ready(output) = Pin::new(a).poll(cx) {
            self.racing = None; // drops `b`, unfinished
            return Poll::Ready(Either::Left(output));
        }
        if let Poll::Ready(output) = Pin::new(b).poll(cx) {
            self.racing = None; // drops `a`, unfinished
            return Poll::Ready(Either::Right(output));
        }
        Poll::Pending
    }
}
// ANCHOR_END: select
