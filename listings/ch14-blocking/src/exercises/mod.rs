//! The exercises' solutions.
