//! The solutions to the chapter's exercises.

pub mod count_to_limit;
pub mod select;
pub mod sizes;
