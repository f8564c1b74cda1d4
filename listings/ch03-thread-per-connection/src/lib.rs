//! Chapter 3: one thread per connection.
//!
//! The classic blocking echo server ([`server`]) spawns one OS thread per
//! accepted connection; [`pool`] serves from a fixed set of threads instead.
//! Both share the per-connection work ([`echo`]) and an accept loop that
//! survives running out of descriptors ([`accept`]). The rest supports the
//! demos and measurements: running out of threads on purpose ([`limits`]), a
//! server started from the command line ([`launch`]) or as a child process
//! ([`child`]), a one-message client ([`client`]), and the exercises'
//! solutions ([`exercises`]). The measuring harness ([`harness`]: the
//! `machine:` line, `/proc` readers, descriptor limits, flags and the load
//! client) is the same in every chapter's listing.

pub mod accept;
pub mod child;
pub mod client;
pub mod echo;
pub mod exercises;
pub mod harness;
pub mod launch;
pub mod limits;
pub mod pool;
pub mod server;
