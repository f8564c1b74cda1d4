//! Green threads meet I/O: chapter 4's green threads, plus what it takes to
//! let them wait for sockets without blocking each other.
//!
//! The layers, bottom up; no module imports one above it:
//!
//! - OS wrappers, which know nothing of green threads: [`context`],
//!   [`stack`], [`valgrind`] (from chapter 4, unchanged), [`sys`] and
//!   [`poller`] (epoll).
//! - Data rooms, which import nothing from the scheduler: [`policy`] and
//!   [`table`] (from chapter 4, unchanged), [`thread`] (a green thread and
//!   its [`State`](thread::State)), [`token`] (wake tokens), [`netpoll`]
//!   (registrations, and which thread waits for which), [`timer`]
//!   (deadlines), and [`runtime`], which holds one of each per OS thread.
//! - The waiting room, [`mod@park`]: register interest, park, resume.
//! - The scheduler loop, [`scheduler`], which drives them all.
//! - On top: [`mod@spawn`], green sockets ([`net`]), the echo server ([`echo`])
//!   and the experiment that motivates it all ([`stall`]).
//!
//! Beside them: [`trace`] (who wakes whom, for the chapter's diagram),
//! [`server`] and [`child`] (child processes for tests and measurements),
//! [`exercises`], and the measuring harness ([`harness`]), the same in
//! every chapter's listing.
//!
//! ```
//! let sum = ch05_green_io::run(|| {
//!     let a = ch05_green_io::spawn(|| 1 + 1);
//!     let b = ch05_green_io::spawn(|| 2 + 2);
//!     a.join().unwrap() + b.join().unwrap()
//! });
//! assert_eq!(sum, 6);
//! ```

pub mod child;
pub mod context;
pub mod echo;
pub mod exercises;
pub mod harness;
pub mod net;
pub mod netpoll;
pub mod park;
pub mod policy;
pub mod poller;
pub mod runtime;
pub mod scheduler;
pub mod server;
pub mod spawn;
pub mod stack;
pub mod stall;
pub mod sys;
pub mod table;
pub mod thread;
pub mod timer;
pub mod token;
pub mod trace;
pub mod valgrind;

pub use park::{current_token, park, sleep, wake, yield_now};
pub use policy::{Policy, RoundRobin, ThreadId};
pub use scheduler::{run, run_with};
pub use spawn::{Builder, JoinHandle, spawn};
pub use token::WakeToken;
