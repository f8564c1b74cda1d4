//! Solutions to the chapter's exercises. Nothing else in the crate uses
//! them.

pub mod idle_timeout;
pub mod oneshot;
