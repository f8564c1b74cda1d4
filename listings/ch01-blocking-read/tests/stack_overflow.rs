//! Exercise 2: a small stack works until a thread needs more than it has.

use ch01_blocking_read::stack::{self, Outcome};
use std::path::Path;

const EXE: &str = env!("CARGO_BIN_EXE_stack-overflow");

#[test]
fn a_small_stack_is_enough_for_small_frames() {
    stack::touch_in_thread(64, 16).unwrap();
    assert_eq!(
        stack::run_in_child(Path::new(EXE), 64, 16).unwrap(),
        Outcome::Completed
    );
}

#[test]
fn overflowing_a_small_stack_aborts_the_process() {
    assert_eq!(
        stack::run_in_child(Path::new(EXE), 64, 256).unwrap(),
        Outcome::StackOverflow
    );
}
