//! Chapter 14's `tests/fs.rs` (in `tests/flavored/fs.rs`, its runtimes
//! made by `runtime()` and `builder()` in `flavored/on_both.rs`), run on both
//! flavours.

// On purpose: the same tests, compiled once per flavour.
#![allow(clippy::duplicate_mod)]

include!("flavored/on_both.rs");
on_both_flavours!("fs.rs");
