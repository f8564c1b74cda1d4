//! Solutions to the chapter's exercises.

pub mod bounded_pool;
pub mod idle_timeout;
