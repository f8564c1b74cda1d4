//! Chapter 1: what a blocking `read` costs.
//!
//! The library holds the pieces the measurement binaries share: thin
//! wrappers around the system calls ([`sys`]), readers of `/proc` ([`procfs`]),
//! threads parked in a real `read` ([`blocked`]), a ping-pong between two
//! threads ([`handoff`]), stack used on purpose ([`stack`]), the `machine:`
//! line every measurement prints first ([`machine`]) and a small
//! command-line parser ([`args`]).

pub mod args;
pub mod blocked;
pub mod handoff;
pub mod machine;
pub mod procfs;
pub mod stack;
pub mod sys;
