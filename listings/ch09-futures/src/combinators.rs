//! Combinators: futures built from other futures and closures, the way
//! asynchronous Rust was written before `async`/`.await` (the `futures`
//! crate's 0.1 versions, 2016 to 2019). Small versions of `map`,
//! `and_then` and `join`, and an `Either` for branches.
//!
//! They take only futures that are `Unpin`, so that polling an inner
//! future needs no `unsafe`: `Pin::new(&mut inner)` is allowed for those.
//! Every future of that era was `Unpin`, since nothing could borrow from
//! itself. The closures are never pinned (they are moved out and called),
//! so whether they are `Unpin` does not matter, as the `impl Unpin` lines
//! below say.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

// ANCHOR: ext
/// The combinators as methods, like the `futures` crate's `FutureExt`.
pub trait FutureExt: Future + Sized {
    /// A future that applies `f` to this future's output.
    fn map<F, T>(self, f: F) -> Map<Self, F>
    where
        F: FnOnce(Self::Output) -> T,
    {
        Map {
            future: self,
            f: Some(f),
        }
    }

    /// A future that runs this one, then the future `f` makes of its output.
    fn and_then<F, B>(self, f: F) -> AndThen<Self, F, B>
    where
        F: FnOnce(Self::Output) -> B,
        B: Future,
    {
        AndThen::First {
            future: self,
            f: Some(f),
        }
    }
}

impl<T: Future> FutureExt for T {}
// ANCHOR_END: ext

// ANCHOR: map
/// The future [`FutureExt::map`] returns.
pub struct Map<Fut, F> {
    future: Fut,
    f: Option<F>,
}

impl<Fut: Unpin, F> Unpin for Map<Fut, F> {}

impl<Fut, F, T> Future for Map<Fut, F>
where
    Fut: Future + Unpin,
    F: FnOnce(Fut::Output) -> T,
{
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let output = ready!(Pin::new(&mut self.future).poll(cx));
        let f = self.f.take().expect("`Map` polled after it returned");
        Poll::Ready(f(output))
    }
}
// ANCHOR_END: map

// ANCHOR: and_then
/// The future [`FutureExt::and_then`] returns: a state machine of its own.
pub enum AndThen<A, F, B> {
    First { future: A, f: Option<F> },
    Second { future: B },
    Done,
}

impl<A: Unpin, F, B: Unpin> Unpin for AndThen<A, F, B> {}

impl<A, F, B> Future for AndThen<A, F, B>
where
    A: Future + Unpin,
    F: FnOnce(A::Output) -> B,
    B: Future + Unpin,
{
    type Output = B::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<B::Output> {
        let this = &mut *self;
        loop {
            match this {
                AndThen::First { future, f } => {
                    let output = ready!(Pin::new(future).poll(cx));
                    let f =
                        f.take().expect("`AndThen` polled after it returned");
                    *this = AndThen::Second { future: f(output) };
                }
                AndThen::Second { future } => {
                    let output = ready!(Pin::new(future).poll(cx));
                    *this = AndThen::Done;
                    return Poll::Ready(output);
                }
                AndThen::Done => panic!("`AndThen` polled after it returned"),
            }
        }
    }
}
// ANCHOR_END: and_then

// ANCHOR: join
/// Runs `a` and `b` at the same time; ready with both outputs once both
/// are ready.
pub fn join<A: Future, B: Future>(a: A, b: B) -> Join<A, B> {
    Join {
        a,
        a_output: None,
        b,
        b_output: None,
    }
}

/// The future [`join`] returns.
pub struct Join<A: Future, B: Future> {
    a: A,
    a_output: Option<A::Output>,
    b: B,
    b_output: Option<B::Output>,
}

impl<A: Future + Unpin, B: Future + Unpin> Unpin for Join<A, B> {}

impl<A, B> Future for Join<A, B>
where
    A: Future + Unpin,
    B: Future + Unpin,
{
    type Output = (A::Output, B::Output);

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Self::Output> {
        let this = &mut *self;
        // Poll each one that has not finished yet, every time: either may
        // be the reason we were woken.
        if this.a_output.is_none()
            && let Poll::Ready(output) = Pin::new(&mut this.a).poll(cx)
        {
            this.a_output = Some(output);
        }
        if this.b_output.is_none()
            && let Poll::Ready(output) = Pin::new(&mut this.b).poll(cx)
        {
            this.b_output = Some(output);
        }
        match (this.a_output.take(), this.b_output.take()) {
            (Some(a), Some(b)) => Poll::Ready((a, b)),
            (a, b) => {
                // Not both yet: put back what we have.
                this.a_output = a;
                this.b_output = b;
                Poll::Pending
            }
        }
    }
}
// ANCHOR_END: join

// ANCHOR: either
/// One of two futures with the same output: what a closure returns when
/// its branches make futures of different types.
pub enum Either<L, R> {
    Left(L),
    Right(R),
}

impl<L, R, T> Future for Either<L, R>
where
    L: Future<Output = T> + Unpin,
    R: Future<Output = T> + Unpin,
{
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match &mut *self {
            Either::Left(future) => Pin::new(future).poll(cx),
            Either::Right(future) => Pin::new(future).poll(cx),
        }
    }
}
// ANCHOR_END: either
