//! The smallest driver that runs a future to completion: poll, and if the
//! answer is `Pending`, poll again.
//!
//! It is deliberately tiny. It hands every poll a waker that does nothing
//! and polls again at once, so it is only right for futures that make
//! progress each time they are polled, like the ones in this chapter. A
//! future waiting for a real socket would make it spin. Chapter 10 builds
//! real wakers, and chapter 11 a `block_on` that sleeps until one fires.

use std::fmt::Debug;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

// ANCHOR: block_on
/// Polls `future` until it is ready, and returns its output.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}
// ANCHOR_END: block_on

// ANCHOR: block_on_traced
/// [`block_on`], printing each poll and what it returned.
pub fn block_on_traced<F>(future: F) -> F::Output
where
    F: Future,
    F::Output: Debug,
{
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    let mut polls = 0;
    loop {
        polls += 1;
        println!("poll {polls}");
        let poll = future.as_mut().poll(&mut cx);
        println!("  -> {poll:?}");
        if let Poll::Ready(output) = poll {
            return output;
        }
    }
}
// ANCHOR_END: block_on_traced
