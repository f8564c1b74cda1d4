//! Green threads meet I/O: chapter 4's green threads, plus what it takes to
//! let them wait for sockets without blocking each other.
//!
//! From chapter 4, extended: [`runtime`] (the scheduler now parks threads
//! and polls between rounds), [`spawn`] (`join` now parks) and [`table`].
//! From chapter 4, unchanged: [`context`], [`stack`], [`policy`],
//! [`valgrind`].
//! New: [`poller`] (epoll), [`netpoll`] (which thread waits for which
//! socket), [`timer`] (deadlines), [`net`] (green sockets), [`echo`] (the
//! server), [`stall`] (the experiment that motivates it all).
//! For the measurements and the diagram: [`trace`], [`server`] (the server
//! as a child process) and [`sys`]. The measuring harness ([`harness`]: the
//! `machine:` line, `/proc` readers, descriptor limits, flags and the load
//! client) is the same in every chapter's listing.
//!
//! ```
//! let sum = ch05_green_io::run(|| {
//!     let a = ch05_green_io::spawn(|| 1 + 1);
//!     let b = ch05_green_io::spawn(|| 2 + 2);
//!     a.join().unwrap() + b.join().unwrap()
//! });
//! assert_eq!(sum, 6);
//! ```

pub mod context;
pub mod echo;
pub mod harness;
pub mod net;
pub mod netpoll;
pub mod policy;
pub mod poller;
pub mod runtime;
pub mod server;
pub mod spawn;
pub mod stack;
pub mod stall;
pub mod sys;
pub mod table;
pub mod timer;
pub mod trace;
pub mod valgrind;

pub use policy::{Policy, RoundRobin, ThreadId};
pub use runtime::{
    WakeToken, current_token, park, run, run_with, wake, yield_now,
};
pub use spawn::{Builder, JoinHandle, spawn};
pub use timer::sleep;
