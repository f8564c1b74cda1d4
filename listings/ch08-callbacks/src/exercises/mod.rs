//! The exercises' solutions. The chapter's main text uses none of them.

pub mod close;
pub mod interval;
