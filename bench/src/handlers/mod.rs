//! The async handlers, written once for every runtime.
//!
//! The `async_*.rs` files beside this one are not modules: `runtimes.rs`
//! pastes them with `include!` into one module per runtime, and each such
//! module first brings its runtime's names into scope (`TcpListener`,
//! `TcpStream`, `AsyncReadExt`, `AsyncWriteExt`, `spawn`, `sleep`). So
//! tokio and our runtime compile the very same source, with the same
//! buffers. This module holds everything else those files use, the same for
//! every runtime; a runtime module imports it with a glob.

pub use std::future::Future;
pub use std::io;
pub use std::net::SocketAddr;
pub use std::time::{Duration, Instant};

pub use ch03_thread_per_connection::accept::{
    AcceptFailure, BACKOFF, classify,
};

pub use crate::baton::{Baton, Side};
pub use crate::child::announce;
pub use crate::http::{BUF_SIZE, Next, Requests};
pub use crate::servers::{Service, log_failure};
