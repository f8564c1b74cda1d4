//! The complete runtime, and an HTTP/1.1 server on it.
//!
//! - [`http`]: the server: a parser and connection state machine that do no
//!   I/O (so every byte of their behaviour is tested without a socket), a
//!   tiny handler interface with a router, and the async driver that moves
//!   bytes between a socket and the state machine.
//!
//! The measuring harness ([`harness`]: the `machine:` line and the flags) is
//! the same in every chapter's listing.

pub mod harness;
pub mod http;
