//! Callbacks: a Node-style event loop.
//!
//! The layers, bottom up; no module imports one above it:
//!
//! - The OS wrapper: chapter 6's [`poll`] (epoll on Linux, kqueue on macOS)
//!   with [`sys`], copied as they are.
//! - The data rooms, which know nothing of callbacks: [`slab`] (chapter 6's
//!   registration table), [`timers`] (a heap of deadlines with cancel) and
//!   [`pool`] (worker threads and a list of finished jobs).
//! - The loop that runs the callbacks: [`event_loop`].
//! - Programs written in callback style on it: the chapter's file server
//!   ([`files`], its protocol in [`protocol`]), and the hello-world HTTP
//!   server ([`http`]) and echo server ([`echo`]) the benchmark runs, all
//!   accepting through [`listen`] and reading and writing through [`nbio`];
//!   [`launch`] starts them. [`blocking`] is the file server written with a
//!   thread per connection, for comparison.
//!
//! Beside them: [`trace`] (who calls back whom, for the chapter's diagram),
//! [`measure`] (what the loop costs), the exercises' solutions
//! ([`exercises`]), chapter 3's accept policy and test client ([`accept`],
//! [`client`], copied as they are) and the measuring harness ([`harness`]).
//!
//! The loop and the data rooms compile for macOS too; the programs on top
//! are Linux only.

pub mod event_loop;
pub mod exercises;
pub mod harness;
pub mod poll;
pub mod pool;
pub mod slab;
pub mod sys;
pub mod timers;
pub mod trace;

#[cfg(target_os = "linux")]
pub mod accept;
#[cfg(target_os = "linux")]
pub mod blocking;
#[cfg(target_os = "linux")]
pub mod client;
#[cfg(target_os = "linux")]
pub mod echo;
#[cfg(target_os = "linux")]
pub mod files;
#[cfg(target_os = "linux")]
pub mod http;
#[cfg(target_os = "linux")]
pub mod launch;
#[cfg(target_os = "linux")]
pub mod listen;
#[cfg(target_os = "linux")]
pub mod measure;
#[cfg(target_os = "linux")]
pub mod nbio;
#[cfg(target_os = "linux")]
pub mod protocol;

pub use event_loop::{EventLoop, Handle, SourceId, Stats};
pub use timers::TimerId;
