//! Chapter 1: what a blocking `read` costs.
//!
//! The library holds the pieces the measurement binaries share: thin
//! wrappers around the system calls ([`sys`]), threads parked in a real
//! `read` ([`blocked`]), a ping-pong between two threads ([`handoff`]), the
//! interrupts that wake another CPU ([`interrupts`]) and stack used on
//! purpose ([`stack`]). The measuring harness ([`harness`]:
//! the `machine:` line, `/proc` readers, flags) is the same in every
//! chapter's listing.

pub mod blocked;
pub mod handoff;
pub mod harness;
pub mod interrupts;
pub mod stack;
pub mod sys;
