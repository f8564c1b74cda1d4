//! Chapter 14's `tests/blocking.rs` (in `tests/flavored/blocking.rs`, its runtimes
//! made by `runtime()` and `builder()` in `flavored/on_both.rs`), run on both
//! flavours.

// On purpose: the same tests, compiled once per flavour.
#![allow(clippy::duplicate_mod)]

include!("flavored/on_both.rs");
on_both_flavours!("blocking.rs");
