//! How much stack running a future takes, and the small-stack experiment
//! in its child process. These tests run in whatever profile `cargo test`
//! builds, and say so.

use std::process::Command;

use ch09_futures::stack::{
    LEVEL_BUFFER, Placement, handle_request, recurse, stack_in_use,
};

#[test]
fn a_future_pinned_on_the_stack_takes_at_least_its_size() {
    let size = size_of_val(&handle_request());
    assert!(size >= 4 * LEVEL_BUFFER);
    let used = stack_in_use(handle_request, Placement::Stack);
    assert!(
        used >= size,
        "{used} bytes of stack for a {size}-byte future"
    );
    if cfg!(debug_assertions) {
        // Unoptimised, every level builds its child on the stack first.
        assert!(used >= 2 * size, "debug: {used} for {size}");
    }
}

#[test]
fn boxing_takes_the_future_itself_off_the_stack() {
    let on_stack = stack_in_use(handle_request, Placement::Stack);
    let boxed = stack_in_use(handle_request, Placement::Boxed);
    assert!(boxed < on_stack, "boxed {boxed} >= on the stack {on_stack}");
    if !cfg!(debug_assertions) {
        // Optimised, nothing of the future stays on the stack.
        assert!(boxed < LEVEL_BUFFER, "{boxed}");
    }
}

#[test]
fn each_boxed_recursive_call_adds_a_frame() {
    let shallow = stack_in_use(|| recurse(10), Placement::Stack);
    let deep = stack_in_use(|| recurse(110), Placement::Stack);
    assert!(deep > shallow, "{deep} <= {shallow}");
}

/// Runs `stack --child-stack KIB` and returns whether it succeeded and its
/// stderr.
fn child(kib: usize) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_stack"))
        .args(["--child-stack", &kib.to_string()])
        .output()
        .expect("run `stack`");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.success(), stderr)
}

#[test]
fn a_large_stack_runs_the_four_levels() {
    assert_eq!(child(4096), (true, String::new()));
}

#[test]
fn a_256_kib_stack_is_enough_only_when_optimised() {
    let (ran, stderr) = child(256);
    if cfg!(debug_assertions) {
        assert!(
            !ran && stderr.contains("has overflowed its stack"),
            "{stderr}"
        );
    } else {
        assert!(ran, "{stderr}");
    }
}
