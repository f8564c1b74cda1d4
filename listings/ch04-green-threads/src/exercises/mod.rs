//! Solutions to the chapter's exercises.

pub mod channel;
pub mod priorities;
