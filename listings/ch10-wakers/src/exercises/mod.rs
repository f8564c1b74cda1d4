//! The chapter's exercises: the starting points the page hands out, and the
//! solutions its `<details>` show, each with tests in `tests/exercises.rs`
//! and `tests/lost_wakeup.rs`. The chapter's own code uses no solution; it
//! shows exercise 2's starting point, the flag that loses wakes.

pub mod delay;
pub mod lost_wakeup;
pub mod no_lost_wakeup;
pub mod std_wake;
