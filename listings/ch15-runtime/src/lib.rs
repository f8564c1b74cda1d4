//! The complete runtime, and an HTTP/1.1 server on it.
//!
//! The layers, bottom up; no module imports one above it:
//!
//! - OS wrappers, which know no tasks: [`poll`] (chapter 6's poller, its
//!   eventfd edge-triggered and its calls counted by [`count`]), [`sys`],
//!   and the socket calls in [`net`]'s `socket` module;
//! - data rooms: the [`reactor`]'s registration table, readiness words and
//!   waker cells; chapter 11's [`task`]s and run queues; chapter 13's timer
//!   wheel ([`time`]); chapter 14's [`blocking`] pool (and [`fs`] on it);
//! - the waiting room: [`io::registration`], "register interest, park,
//!   resume" for any socket;
//! - on top: [`net`]'s `TcpListener` and `TcpStream`, the [`io`] traits,
//!   and the echo server ([`echo`]);
//! - the scheduler that drives it all: [`runtime`], in two flavours, which
//!   turns the reactor and the timers between rounds and sleeps in the
//!   reactor, until the nearest deadline, when nothing can run.
//! - [`signal`]: SIGINT and SIGTERM as futures: a handler that writes to a
//!   pipe (an OS wrapper that knows no tasks), and the pipe on the reactor;
//! - [`http`]: the server: a parser and connection state machine that do no
//!   I/O (so every byte of their behaviour is tested without a socket), a
//!   tiny handler interface with a router, and the async driver that moves
//!   bytes between a socket and the state machine.
//!
//! The names are tokio's, so that code written for tokio compiles here
//! with `use ch15_runtime as tokio;`.
//!
//! The measuring harness ([`harness`]: the `machine:` line and the flags) is
//! the same in every chapter's listing.

#[cfg(target_os = "linux")]
pub mod background;
pub mod blocking;
pub mod channel;
pub mod coop;
pub mod count;
#[cfg(target_os = "linux")]
pub mod echo;
pub mod fs;
pub mod harness;
pub mod http;
#[doc(hidden)]
pub mod inject;
pub mod io;
#[cfg(target_os = "linux")]
pub mod net;
pub mod oneshot;
#[doc(hidden)]
pub mod owned;
#[doc(hidden)]
pub mod parker;
pub mod poll;
pub mod reactor;
pub mod rng;
pub mod runtime;
#[cfg(target_os = "linux")]
pub mod signal;
pub mod slow_file;
#[doc(hidden)]
pub mod sync;
pub mod sys;
pub mod task;
pub mod time;
pub mod trace;
#[cfg(target_os = "linux")]
pub mod usage;
pub mod yield_now;

// Chapter 6's accept-error triage, which `TcpListener::accept` uses, and
// its blocking test client.
#[cfg(target_os = "linux")]
pub mod accept;
#[cfg(target_os = "linux")]
pub mod client;

pub use blocking::spawn_blocking;
pub use runtime::{Builder, Metrics, Runtime, block_on, spawn};
pub use task::{JoinError, JoinHandle};
pub use time::sleep;
pub use yield_now::yield_now;

// The exercises' solutions (the chapter's page shows them at its end).
pub mod exercises;
