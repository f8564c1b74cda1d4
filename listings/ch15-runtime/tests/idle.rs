//! Chapter 14's `tests/idle.rs` (in `tests/flavored/idle.rs`, its runtimes
//! made by `runtime()` and `builder()` in `flavored/on_both.rs`), run on both
//! flavours.

// On purpose: the same tests, compiled once per flavour.
#![allow(clippy::duplicate_mod)]

/// The test reads the process's CPU time and trace: one flavour at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

include!("flavored/on_both.rs");
on_both_flavours!("idle.rs");
