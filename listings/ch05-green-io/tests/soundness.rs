//! A scheduler that finds a deadlock must not free the parked threads'
//! stacks. Safe code can tell: a green thread lends a local array to a
//! scoped OS thread (`std::thread::scope` promises it stays valid until the
//! scope ends), the scoped thread keeps reading it, and the green thread
//! parks with nothing to wake it. If the deadlock were an ordinary panic,
//! caught by the caller of `run`, unwinding would unmap the stack under the
//! reader. Runs in a child process, which is expected to die.

mod lend;

use std::panic::{self, AssertUnwindSafe};
use std::thread;
use std::time::Duration;

use ch05_green_io::child::{ChildEnd, in_child_capturing_stderr};
use ch05_green_io::run;

#[test]
fn a_deadlock_aborts_rather_than_free_a_borrowed_stack() {
    let (end, stderr) =
        in_child_capturing_stderr(Duration::from_secs(60), || {
            let _ = panic::catch_unwind(AssertUnwindSafe(|| {
                run(lend::lend_the_stack_and_park)
            }));
            // Only reached if the runtime unwound: let the scoped thread read
            // the stack for a while, freed or not.
            thread::sleep(Duration::from_millis(200));
        })
        .expect("fork");
    // Not SIGSEGV (a read of the unmapped stack), not CORRUPTED (a read of
    // memory mapped again for something else), not a clean exit either.
    assert_eq!(end, ChildEnd::Killed(libc::SIGABRT), "stderr: {stderr}");
    let report = "green threads: deadlock: every green thread is parked";
    assert!(stderr.contains(report), "stderr: {stderr}");
}
