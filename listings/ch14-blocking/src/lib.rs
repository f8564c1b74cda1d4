//! Blocking work and files: chapter 13's runtime with a pool of threads
//! for the work that would otherwise hold its one thread, and files that a
//! task can read and write without holding it.
//!
//! The layers, bottom up; no module imports one above it:
//!
//! - OS wrappers, which know no tasks: [`poll`] (chapter 6's poller, its
//!   eventfd edge-triggered and its calls counted by [`count`]), [`sys`],
//!   and the socket calls in [`net`]'s `socket` module;
//! - data rooms: [`time`]'s wheel and heap of deadlines; the [`reactor`]'s
//!   registration table, readiness words and waker cells; chapter 11's
//!   [`task`]s and run queues; the time driver, [`time::driver`]; the
//!   [`blocking`] pool's threads, whose jobs are tasks too;
//! - the waiting room: [`io::registration`], "register interest, park,
//!   resume" for any socket, and [`time`]'s futures for deadlines;
//! - on top: [`net`]'s `TcpListener` and `TcpStream`, the [`io`] traits,
//!   [`blocking::spawn_blocking`], and [`fs`], which runs `std::fs` on the
//!   pool;
//! - the scheduler that drives it all: [`runtime`], which turns the
//!   reactor between rounds, sleeps in it until the nearest deadline when
//!   nothing can run, fires the timers that are due, and owns the blocking
//!   pool.
//!
//! The names are tokio's:
//!
//! ```
//! use ch14_blocking::{block_on, fs, spawn_blocking};
//!
//! let path = std::env::temp_dir().join("ch14-lib-doc.txt");
//! let found = block_on(async {
//!     fs::write(&path, "hello, files").await?;
//!     let text = fs::read_to_string(&path).await?;
//!     let words = spawn_blocking(move || text.split(' ').count()).await;
//!     let meta = fs::metadata(&path).await?;
//!     std::io::Result::Ok((words.ok(), meta.len()))
//! });
//! assert_eq!(found.unwrap(), (Some(2), 12));
//! # let _ = std::fs::remove_file(&path);
//! ```
//!
//! [`slow_file`] is the chapter's stand-in for a slow disk, a named pipe.
//! The measuring harness ([`harness`]) is the same in every chapter's
//! listing. Chapter 6's [`accept`] (how `accept` fails), [`slab`] and
//! [`client`] are copied unchanged; [`rng`] and [`usage`] come from
//! chapter 13's tests.

#[cfg(target_os = "linux")]
pub mod accept;
pub mod blocking;
pub mod channel;
#[cfg(target_os = "linux")]
pub mod client;
pub mod count;
#[cfg(target_os = "linux")]
pub mod exercises;
pub mod fs;
pub mod harness;
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
#[cfg(target_os = "linux")]
pub mod slab;
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

pub use blocking::spawn_blocking;
pub use runtime::{Builder, Metrics, Runtime, block_on, spawn};
pub use task::{JoinError, JoinHandle};
pub use time::sleep;
pub use yield_now::yield_now;
