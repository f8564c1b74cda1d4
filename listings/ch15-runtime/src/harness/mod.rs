//! The measuring harness: everything a measurement needs around the lesson,
//! kept out of the lesson's way.
//!
//! - [`machine`]: the `machine:` line every measurement prints first, so a
//!   reader knows where a figure came from;
//! - [`procfs`]: readers of `/proc` (memory, threads, maps, descriptors);
//! - [`limits`]: resource limits (`ulimit -n` and friends);
//! - [`args`]: a tiny `--name value` flag parser;
//! - [`load`]: a load client for echo servers;
//! - [`units`]: numbers printed with their units.
//!
//! This folder is the same in every chapter's listing, byte for byte, and
//! `cargo xtask test` fails when one copy drifts. It uses nothing from the
//! rest of its crate, so a copy works wherever it lands.

pub mod args;
pub mod limits;
pub mod load;
pub mod machine;
pub mod procfs;
pub mod units;
