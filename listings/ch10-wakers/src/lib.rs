//! Wakers: how a future that returns `Pending` gets polled again.
//!
//! - [`count`]: what the wakers wake, a count of wakes behind an `Arc`,
//!   with the `ArcWake` implementation that lets `futures-task` build the
//!   waker;
//! - [`raw`]: the same waker by hand, from a `RawWaker` and a
//!   `RawWakerVTable`, reference-counted through the `Arc`;
//! - [`mod@drive`]: the smallest executor that polls again only when woken,
//!   with a timeout, to put the rules of wakers to the test;
//! - [`oneshot`]: an event source (a one-shot channel) that keeps every
//!   rule;
//! - [`interleave`]: a waker whose `clone` lets another thread act, to
//!   produce a lost wakeup on demand;
//! - [`trace`]: who wakes whom, recorded for the chapter's diagram;
//! - [`yield_now`]: chapter 9's future that wakes itself, unchanged;
//! - [`exercises`]: the exercises' starting points and solutions.
//!
//! The measuring harness ([`harness`]: the `machine:` line and the flags) is
//! the same in every chapter's listing.
//!
//! ```
//! use std::time::Duration;
//! use ch10_wakers::{drive, oneshot};
//!
//! let (tx, rx) = oneshot::channel();
//! std::thread::spawn(move || tx.send(42));
//! let run = drive(rx, Duration::from_secs(10));
//! assert_eq!(run.output, Some(Ok(42)));
//! ```

pub mod count;
pub mod drive;
pub mod exercises;
pub mod harness;
pub mod interleave;
pub mod oneshot;
pub mod raw;
pub mod trace;
pub mod yield_now;

pub use count::WakeCount;
pub use drive::{Driven, WakeFlag, drive};

/// The program in `fail/`, which the chapter shows as a mistake the compiler
/// stops: an `ArcWake` whose wake count is a `Cell` is not thread-safe.
///
/// ```compile_fail,E0277
#[doc = include_str!("../fail/not_sync.rs")]
/// ```
pub mod must_not_compile {}
