//! Code the borrow checker refuses, on purpose: the shapes of an API that
//! would hand the kernel a borrowed buffer and return. The chapter shows
//! both files in `compile_fail/`; here they are compiled (and must fail,
//! with these error codes) by `cargo test --doc`.
//!
//! The shape of `AsyncRead::poll_read`, which lends a buffer for one call,
//! cannot start a recv into it:
//!
#![doc = "```compile_fail,E0521"]
#![doc = include_str!("../compile_fail/poll_read.rs")]
#![doc = "```"]
//!
//! Nor can a function lend the kernel a buffer on its own stack and return:
//!
#![doc = "```compile_fail,E0597"]
#![doc = include_str!("../compile_fail/stack.rs")]
#![doc = "```"]
