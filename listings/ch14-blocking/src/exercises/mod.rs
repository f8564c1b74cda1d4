//! The exercises' solutions: a [`timeout`] for blocking jobs, with a flag
//! that lets a job stop early; a [`semaphore`] that caps how many file
//! operations run at once; and a [`mod@file`] that reads through the pool in
//! chunks, with `AsyncRead`.

pub mod file;
pub mod semaphore;
pub mod timeout;
