//! Chapter 3: one thread per connection.
//!
//! The classic blocking echo server ([`server`]) spawns one OS thread per
//! accepted connection; [`pool`] serves from a fixed set of threads instead.
//! Both share the per-connection work ([`echo`]) and an accept loop that
//! survives running out of descriptors ([`accept`]). [`load`] is a small load
//! client, self-contained so later chapters can copy it. The rest supports the
//! demos and measurements: resource limits ([`limits`]), `/proc` readers
//! ([`procfs`]), a server started from the command line ([`launch`]) or as a
//! child process ([`child`]), a one-message client ([`client`]), the
//! `machine:` line ([`machine`]), flag parsing ([`args`]), and the exercises'
//! solutions ([`exercises`]).

pub mod accept;
pub mod args;
pub mod child;
pub mod client;
pub mod echo;
pub mod exercises;
pub mod launch;
pub mod limits;
pub mod load;
pub mod machine;
pub mod pool;
pub mod procfs;
pub mod server;
