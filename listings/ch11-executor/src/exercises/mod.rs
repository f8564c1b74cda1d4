//! The chapter's exercises: their solutions, each with tests in
//! `tests/exercises.rs`. The chapter's own code uses none of them.

pub mod counted;
pub mod join_set;
pub mod timeout;
