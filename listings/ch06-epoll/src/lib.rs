//! epoll by hand: a readiness loop with no green threads and no futures.
//!
//! The layers, bottom up; no module imports one above it:
//!
//! - The OS wrapper, which knows nothing of connections: [`poll`], one
//!   interface over epoll ([`poll::epoll`], Linux) and kqueue
//!   (`poll::kqueue`, macOS, type-checked only), with [`sys`].
//! - The data room: [`slab`], the registration table, whose tokens carry a
//!   generation.
//! - One connection's state machine: [`conn`].
//! - The loop that drives them all: [`event_loop`], with the accept-error
//!   policy of chapter 3 ([`accept`], copied as it is), started by
//!   [`launch`].
//!
//! The experiments: [`triggers`] (level- against edge-triggered) and
//! [`herd`] (`EPOLLEXCLUSIVE`). The comparison with chapters 3 and 5:
//! [`compare`], which runs chapter 3's server ([`threads`]) and chapter 5's
//! green threads (the modules below, copied unchanged) in child processes
//! ([`process`]). The exercises' solutions: [`exercises`]. The test client
//! of chapter 3 ([`client`]) and the measuring harness ([`harness`]) are
//! the same as there.
//!
//! Everything but the poller, the slab, the state machine and the harness
//! is Linux only.

pub mod conn;
pub mod harness;
pub mod poll;
pub mod slab;
pub mod sys;

#[cfg(target_os = "linux")]
pub mod accept;
#[cfg(target_os = "linux")]
pub mod client;
#[cfg(target_os = "linux")]
pub mod compare;
#[cfg(target_os = "linux")]
pub mod event_loop;
#[cfg(target_os = "linux")]
pub mod exercises;
#[cfg(target_os = "linux")]
pub mod herd;
#[cfg(target_os = "linux")]
pub mod launch;
#[cfg(target_os = "linux")]
pub mod process;
#[cfg(target_os = "linux")]
pub mod threads;
#[cfg(target_os = "linux")]
pub mod triggers;

// Chapter 5's green threads, copied unchanged, so that `compare` can run
// its echo server (`server::serve`). Its modules name each other by these
// paths (`crate::net`, `crate::run`, ...), so they sit at the crate root.
#[cfg(target_os = "linux")]
pub mod context;
#[cfg(target_os = "linux")]
pub mod echo;
#[cfg(target_os = "linux")]
pub mod net;
#[cfg(target_os = "linux")]
pub mod netpoll;
#[cfg(target_os = "linux")]
pub mod park;
#[cfg(target_os = "linux")]
pub mod policy;
#[cfg(target_os = "linux")]
pub mod poller;
#[cfg(target_os = "linux")]
pub mod runtime;
#[cfg(target_os = "linux")]
pub mod scheduler;
#[cfg(target_os = "linux")]
pub mod server;
#[cfg(target_os = "linux")]
pub mod spawn;
#[cfg(target_os = "linux")]
pub mod stack;
#[cfg(target_os = "linux")]
pub mod table;
#[cfg(target_os = "linux")]
pub mod thread;
#[cfg(target_os = "linux")]
pub mod timer;
#[cfg(target_os = "linux")]
pub mod token;
#[cfg(target_os = "linux")]
pub mod trace;
#[cfg(target_os = "linux")]
pub mod valgrind;
#[cfg(target_os = "linux")]
pub use park::{current_token, park, sleep, wake, yield_now};
#[cfg(target_os = "linux")]
pub use policy::{Policy, RoundRobin, ThreadId};
#[cfg(target_os = "linux")]
pub use scheduler::{run, run_with};
#[cfg(target_os = "linux")]
pub use spawn::{Builder, JoinHandle, spawn};
#[cfg(target_os = "linux")]
pub use token::WakeToken;
