//! The exercises' solutions: a [`join_set`] that yields its tasks'
//! outputs in the order they finish, and a [`notify`] primitive that wakes
//! one waiter or all of them.

pub mod join_set;
pub mod notify;
