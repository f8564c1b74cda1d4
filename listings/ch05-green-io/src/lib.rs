//! Chapter 5: green threads whose sockets never block the OS thread.
//!
//! Chapter 4's green threads (`stack`, `context`, `scheduler`) plus what this
//! chapter adds: an epoll `poller`, the `netpoll` table of parked threads,
//! green sockets in `net`, and an `echo` server whose handlers read like
//! blocking code.

pub mod context;
pub mod echo;
pub mod load;
pub mod measure;
pub mod net;
pub mod netpoll;
pub mod poller;
pub mod scheduler;
pub mod stack;
pub mod stall;
pub mod sys;
pub mod timer;

pub use scheduler::{JoinHandle, park, run, sleep, spawn, wake, yield_now};
