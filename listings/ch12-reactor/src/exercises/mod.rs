//! The exercises' solutions: [`copy`] between a reader and a writer,
//! [`split`] into halves that two tasks can own, and a [`udp`] socket.

pub mod copy;
pub mod split;
pub mod udp;
