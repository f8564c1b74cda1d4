//! Timers: chapter 12's runtime, with its deadlines kept in a timing wheel
//! that the runtime's own thread drives, so that a sleeping task costs no
//! thread and firing a timer crosses none.
//!
//! The layers, bottom up; no module imports one above it:
//!
//! - OS wrappers, which know no tasks: [`poll`] (chapter 6's poller, its
//!   eventfd now edge-triggered and its calls counted by [`count`]),
//!   [`sys`], and the socket calls in [`net`]'s `socket` module;
//! - data rooms: [`time`]'s wheel and heap of deadlines, which know no
//!   tasks either; the [`reactor`]'s registrations; chapter 11's [`task`]s
//!   and run queues; and the time driver, [`time::driver`], a wheel of
//!   wakers counted in milliseconds;
//! - the waiting room: [`io::registration`] for sockets, and [`time`]'s
//!   futures (`sleep`, `timeout`, `interval`) for deadlines;
//! - on top: [`net`]'s `TcpListener` and `TcpStream`, the [`io`] traits,
//!   and the echo server ([`echo`]);
//! - the scheduler that drives it all: [`runtime`], which, when nothing
//!   can run, sleeps in `epoll_wait` until the nearest deadline, and after
//!   every turn of the reactor fires the timers that are due.
//!
//! The names are tokio's:
//!
//! ```
//! use std::time::Duration;
//!
//! use ch13_timers::time::{self, Elapsed};
//!
//! ch13_timers::block_on(async {
//!     time::sleep(Duration::from_millis(5)).await;
//!     let slow = time::sleep(Duration::from_secs(60));
//!     let outcome = time::timeout(Duration::from_millis(5), slow).await;
//!     assert!(matches!(outcome, Err(Elapsed { .. })));
//!     // The dropped sleep left nothing behind in the wheel.
//!     assert_eq!(time::stats().unwrap().pending, 0);
//! });
//! ```
//!
//! The measuring harness ([`harness`]) is the same in every chapter's
//! listing. The chapter's exercises are in [`exercises`].

#[cfg(target_os = "linux")]
pub mod background;
pub mod channel;
pub mod count;
#[cfg(target_os = "linux")]
pub mod echo;
pub mod exercises;
pub mod harness;
#[cfg(target_os = "linux")]
pub mod idle_echo;
#[doc(hidden)]
pub mod inject;
pub mod io;
#[cfg(target_os = "linux")]
pub mod net;
pub mod oneshot;
#[doc(hidden)]
pub mod owned;
pub mod poll;
pub mod reactor;
pub mod rng;
pub mod runtime;
#[doc(hidden)]
pub mod sync;
pub mod sys;
pub mod task;
pub mod time;
pub mod trace;
#[cfg(target_os = "linux")]
pub mod usage;
pub mod yield_now;

// Chapter 6's helpers, copied unchanged through chapter 12.
#[cfg(target_os = "linux")]
pub mod accept;
#[cfg(target_os = "linux")]
pub mod client;
#[cfg(target_os = "linux")]
pub mod process;
#[cfg(target_os = "linux")]
pub mod slab;

pub use runtime::{Builder, Metrics, Runtime, block_on, spawn};
pub use task::{JoinError, JoinHandle};
pub use time::sleep;
pub use yield_now::yield_now;
