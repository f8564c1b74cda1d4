//! The chapter's exercises: the starting points the page hands out, and the
//! solutions its `<details>` show, each with tests in `tests/exercises.rs`
//! and `tests/lost_wakeup.rs`. The chapter's own code uses none of them.

pub mod lost_wakeup;
pub mod no_lost_wakeup;
pub mod std_wake;
pub mod yield_now;
