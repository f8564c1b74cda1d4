//! The book's head-to-head: the same hello-world HTTP handler and the same
//! 64-byte echo on chapter 3's threads, chapter 5's green threads, chapter
//! 8's callback loop, our own runtime (chapter 15's, both flavours) and
//! tokio (both flavours), measured on the reader's machine.
//!
//! `cargo run --release -p book-bench -- [--quick | --smoke] [--only …]`
//!
//! - [`http`]: the request parser every server shares; [`blocking`]: the
//!   blocking HTTP handler; [`callbacks`]: the same handlers as chapter 8's
//!   callbacks; `handlers/async_*.rs`: the async handlers,
//!   written once and included into one module per runtime by
//!   [`runtimes`] (the names they use besides the runtime's: [`handlers`]);
//! - [`servers`]: which servers there are and how each serves;
//!   [`child`]: each runs in a child process;
//! - [`measure`]: the measurements; [`stats`]: interleaved rounds and
//!   medians; [`wrk`], [`clients`], [`proc`], [`limits`]: their tools;
//! - [`plan`]: the sizes of a full, quick or smoke run; [`report`]: the
//!   table and the charts;
//! - [`profile`]: where a request's CPU time goes, kernel and user space,
//!   sampled with perf (the `profile` binary).

pub mod baton;
pub mod blocking;
pub mod callbacks;
pub mod child;
pub mod clients;
pub mod handlers;
pub mod http;
pub mod limits;
pub mod measure;
pub mod plan;
pub mod proc;
pub mod profile;
pub mod report;
pub mod runtimes;
pub mod servers;
pub mod stats;
pub mod wrk;
