//! A green thread that overflows its stack must hit the guard page and die
//! by SIGSEGV, not silently corrupt memory below its stack.

use ch04_green_threads::child::{ChildEnd, in_child};
use ch04_green_threads::{Builder, run};
use std::hint::black_box;
use std::time::Duration;

fn recurse(depth: u64) -> u64 {
    let frame = black_box([depth; 64]);
    if depth == u64::MAX {
        return 0;
    }
    recurse(depth + 1) + frame[63]
}

/// Points stderr at /dev/null, so an emulator's crash report (qemu-user
/// prints one) does not clutter the test output.
fn silence_stderr() {
    let devnull = std::fs::File::options()
        .write(true)
        .open("/dev/null")
        .unwrap();
    // SAFETY: dup2 onto fd 2 of this (child) process; both fds are valid.
    unsafe { libc::dup2(std::os::fd::AsRawFd::as_raw_fd(&devnull), 2) };
}

#[test]
fn stack_overflow_hits_the_guard_page() {
    let end = in_child(Duration::from_secs(60), || {
        silence_stderr();
        run(|| {
            let thread =
                Builder::new().stack_size(16 * 1024).spawn(|| recurse(0));
            let _ = thread.unwrap().join();
        });
    })
    .unwrap();
    assert_eq!(end, ChildEnd::Killed(libc::SIGSEGV));
}

#[test]
fn a_child_that_returns_exits_cleanly() {
    let end = in_child(Duration::from_secs(60), || {
        assert_eq!(run(|| 2 + 2), 4);
    })
    .unwrap();
    assert_eq!(end, ChildEnd::Exited(0));
}
