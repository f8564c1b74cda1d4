//! The atomics and the thread handle that the parker and the task state
//! word use, named in one place. `tests/loom.rs` compiles those two files
//! against a module of the same name that re-exports loom's versions
//! instead, so that loom can explore every interleaving of their atomics.

pub use std::sync::Arc;
pub use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
pub use std::thread;
