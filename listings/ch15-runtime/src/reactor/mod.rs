//! The reactor: chapter 6's poller, a table of registrations, and the
//! `turn` that waits for events and turns each into readiness and wakes.
//!
//! It knows sockets only as descriptors and tasks only as wakers: the
//! waiting room above it (`crate::io::registration`) decides when a task
//! waits, and the executor (`crate::runtime`) decides when the reactor
//! turns.
//!
//! - [`readiness`]: a registration's readiness word, with its tick and
//!   generation;
//! - [`waker_cell`]: a place for a waker that a task fills and the reactor
//!   wakes, without a lock;
//! - [`table`]: the slots, named by index and generation, that never move;
//! - `driver`: the reactor itself, its handle, and registering.

mod driver;
pub mod readiness;
pub mod table;
pub mod waker_cell;

pub use driver::*;
