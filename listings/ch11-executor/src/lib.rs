//! An executor: tasks, a run queue, and a `block_on` that sleeps until a
//! wake arrives.
//!
//! - [`task`]: a spawned future in one heap block with its state word,
//!   its output and its waker; [`JoinHandle`] and [`JoinError`];
//! - [`runtime`]: the run queue, the loop that drains it round by round,
//!   [`block_on`] and [`spawn`];
//! - [`parker`]: how the runtime's thread sleeps until woken;
//! - `inject` and `owned`: the queue for wakes from other threads, and
//!   the list of every live task;
//! - [`time`]: [`sleep`], with one helper thread for all timers;
//! - [`channel`]: an unbounded channel between tasks;
//! - [`mod@yield_now`] (chapter 9's, unchanged), [`oneshot`] and [`trace`]
//!   (chapter 10's, unchanged);
//! - [`exercises`]: the exercises' solutions.
//!
//! The measuring harness ([`harness`]) is the same in every chapter's
//! listing; `context`, `stack` and `valgrind` are chapter 4's context
//! switch, copied unchanged, so that `costs` can measure a green-thread
//! switch in the same run as a task hand-off.
//!
//! ```
//! use ch11_executor::{block_on, spawn, yield_now};
//!
//! let sum = block_on(async {
//!     let a = spawn(async { 20 });
//!     let b = spawn(async {
//!         yield_now().await;
//!         22
//!     });
//!     a.await.unwrap() + b.await.unwrap()
//! });
//! assert_eq!(sum, 42);
//! ```

#[doc(hidden)]
pub mod baseline;
pub mod channel;
pub mod exercises;
pub mod harness;
#[doc(hidden)]
pub mod inject;
pub mod oneshot;
#[doc(hidden)]
pub mod owned;
pub mod parker;
pub mod runtime;
#[doc(hidden)]
pub mod sync;
pub mod task;
pub mod time;
pub mod trace;
pub mod yield_now;

#[doc(hidden)]
pub mod context;
#[doc(hidden)]
pub mod stack;
mod valgrind;

pub use runtime::{Metrics, Runtime, block_on, spawn};
pub use task::{JoinError, JoinHandle};
pub use time::sleep;
pub use yield_now::yield_now;
