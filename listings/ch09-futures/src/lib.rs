//! Futures are state machines: chapter 9's listing.
//!
//! In the chapter's order:
//! - [`driver`]: the smallest `block_on` (a no-op waker, poll again at
//!   once), enough to run this chapter's futures; [`inbox`]: a scripted
//!   stand-in for a socket, for the futures to wait on; [`yield_now`]: a
//!   leaf future that is pending once;
//! - [`add_two`]: an `async fn` and the state machine it becomes, written
//!   by hand;
//! - [`sizes`] and [`stack`]: what makes a future big, and how much stack
//!   running one takes; [`counting`]: a counting global allocator, to
//!   measure that a future allocates nothing of its own;
//! - [`combinators`]: `map`, `and_then`, `join` and `Either`, the way
//!   futures were written before `async`/`.await`; [`counted`]: state
//!   shared between steps, with combinators and with `async`;
//! - [`self_ref`] and [`pinned`]: a value that points into itself, and why
//!   futures need `Pin`;
//! - [`exercises`]: the solutions to the chapter's exercises.
//!
//! The measuring harness ([`harness`]: the `machine:` line, `/proc`
//! readers, limits, flags, the load client) is the same in every chapter's
//! listing.
//!
//! ```
//! use ch09_futures::{add_two::add_two, driver::block_on, inbox::Inbox};
//!
//! let inbox = Inbox::new(&[Some(40), None, Some(2)]);
//! assert_eq!(block_on(add_two(&inbox)), Some(42));
//! ```

pub mod add_two;
pub mod combinators;
pub mod counted;
pub mod counting;
pub mod driver;
pub mod exercises;
pub mod harness;
pub mod inbox;
pub mod pinned;
pub mod self_ref;
pub mod sizes;
pub mod stack;
pub mod yield_now;

/// The programs in `fail/`, which the chapter shows as mistakes the
/// compiler stops: each must fail to compile, with the error named.
///
/// Sharing one `&mut` between two closures of a combinator chain:
///
/// ```compile_fail,E0505
#[doc = include_str!("../fail/shared_state.rs")]
/// ```
///
/// Polling a future that is not `Unpin` without pinning it first:
///
/// ```compile_fail,E0277
#[doc = include_str!("../fail/unpin.rs")]
/// ```
pub mod must_not_compile {}
