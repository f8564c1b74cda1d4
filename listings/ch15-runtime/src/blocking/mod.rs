//! Blocking work: [`spawn_blocking`] runs a closure on a pool of OS
//! threads and gives back a [`JoinHandle`](crate::JoinHandle) to await,
//! so that a task can wait for work that blocks without blocking the
//! runtime's thread.
//!
//! - `task`: a job is a task of chapter 11's kind, whose future calls the
//!   closure in its one poll; completing it wakes the awaiting task from
//!   the pool's thread, through the runtime's injection queue and the
//!   reactor's eventfd;
//! - [`pool`]: the threads, their cap, their keep-alive, the queue, and
//!   the shutdown;
//! - `spawn`: [`spawn_blocking`], on the pool of the runtime running on
//!   this thread (each runtime owns a pool, and makes it current on its
//!   thread while it runs, as it does its reactor).

pub mod pool;
mod spawn;
#[doc(hidden)]
pub mod task;

pub use pool::{Config, KEEP_ALIVE, MAX_THREADS, Metrics, Pool, Spawner};
pub use spawn::{Enter, enter, spawn_blocking};
