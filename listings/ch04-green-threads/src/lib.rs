//! Green threads from scratch: stacks we map ourselves, a context switch in
//! assembly, and a scheduler that runs many green threads on one OS thread.
//!
//! ```
//! let sum = ch04_green_threads::run(|| {
//!     let a = ch04_green_threads::spawn(|| 1 + 1);
//!     let b = ch04_green_threads::spawn(|| 2 + 2);
//!     a.join().unwrap() + b.join().unwrap()
//! });
//! assert_eq!(sum, 6);
//! ```

pub mod child;
pub mod context;
pub mod exercises;
pub mod harness;
pub mod policy;
pub mod runtime;
pub mod spawn;
pub mod stack;
pub mod table;
pub mod valgrind;

pub use policy::{Policy, RoundRobin, ThreadId};
pub use runtime::{run, run_with, yield_now};
pub use spawn::{Builder, JoinHandle, spawn};
