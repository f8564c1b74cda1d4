//! Green threads from scratch: stacks we map ourselves, a context switch in
//! assembly, and a scheduler that runs many green threads on one OS thread.
//!
//! The layers, bottom up; no module imports one above it:
//!
//! - OS wrappers, which know nothing of green threads: [`context`] (the
//!   switch), [`stack`] and [`valgrind`].
//! - Data rooms, which import nothing from the scheduler: [`policy`] (which
//!   ready thread runs next) and [`table`] (the slab of thread records).
//! - The scheduler, [`runtime`]: its state per OS thread, the loop, and both
//!   halves of every switch (`resume` and `yield_now`), with `spawn_task`,
//!   the untyped way to add a thread.
//! - On top: [`mod@spawn`], the typed API (`Builder`, `JoinHandle`), built on
//!   `spawn_task` and `yield_now`.
//!
//! Beside them: [`child`] (child processes for tests and measurements),
//! [`exercises`], and the measuring harness ([`harness`]), the same in
//! every chapter's listing.
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
