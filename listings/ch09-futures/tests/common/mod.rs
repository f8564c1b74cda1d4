//! Shared by the integration tests: a driver that gives up instead of
//! spinning forever, so that a broken future fails a test rather than
//! hanging it.

#![allow(dead_code)] // each test file uses only some of these helpers

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// More polls than any future in these tests needs.
pub const MAX_POLLS: usize = 10_000;

/// Polls `future` to completion; returns its output and how many polls it
/// took. Panics after [`MAX_POLLS`].
pub fn run<F: Future>(future: F) -> (F::Output, usize) {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for polls in 1..=MAX_POLLS {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return (output, polls);
        }
    }
    panic!("not ready after {MAX_POLLS} polls");
}

/// Scripts covering the cases: messages at once, after waits, an inbox
/// that closes early, numbers whose sum overflows.
pub const SCRIPTS: &[&[Option<u32>]] = &[
    &[Some(40), Some(2)],
    &[None, Some(40), None, None, Some(2)],
    &[None, None, None, Some(1), Some(2), Some(3)],
    &[],
    &[None],
    &[Some(7)],
    &[None, Some(7), None],
    &[Some(u32::MAX), Some(1)],
    &[Some(0), Some(0)],
];
