//! A scheduler that fails while green threads are suspended must not free
//! their stacks. Safe code can tell: a green thread lends a local array to a
//! scoped OS thread (`std::thread::scope` promises it stays valid until the
//! scope ends), and the scoped thread keeps reading it. If the runtime
//! unmapped the stack, that read would fault. Runs in a child process, which
//! is expected to die.

use ch04_green_threads::child::{ChildEnd, in_child_capturing_stderr};
use ch04_green_threads::{Policy, RoundRobin, ThreadId, run_with, yield_now};
use std::hint::black_box;
use std::panic::{self, AssertUnwindSafe};
use std::thread;
use std::time::Duration;

/// Round robin that panics the second time the scheduler asks it for a
/// thread, in the scheduler loop, with `main` suspended.
#[derive(Default)]
struct FailsOnSecondPop {
    inner: RoundRobin,
    pops: usize,
}

impl Policy for FailsOnSecondPop {
    fn push(&mut self, thread: ThreadId, priority: u8) {
        self.inner.push(thread, priority);
    }

    fn pop(&mut self) -> Option<ThreadId> {
        self.pops += 1;
        assert!(self.pops < 2, "the policy failed");
        self.inner.pop()
    }
}

/// What the scoped thread's exit status says if it read a changed value.
const CORRUPTED: i32 = 3;

/// A green thread that lends 16 KiB of its stack to a scoped OS thread and
/// then yields, never to be resumed.
fn lend_the_stack_and_yield() {
    let lent = black_box([0x5a_u8; 16 * 1024]);
    thread::scope(|scope| {
        scope.spawn(|| {
            loop {
                if lent.iter().any(|&byte| byte != 0x5a) {
                    // SAFETY: `_exit` ends the process at once.
                    unsafe { libc::_exit(CORRUPTED) };
                }
                thread::sleep(Duration::from_millis(1));
            }
        });
        yield_now(); // the policy panics now: we stay suspended
    });
}

#[test]
fn a_panicking_policy_aborts_rather_than_free_a_borrowed_stack() {
    let (end, stderr) =
        in_child_capturing_stderr(Duration::from_secs(60), || {
            let caught = panic::catch_unwind(AssertUnwindSafe(|| {
                run_with(FailsOnSecondPop::default(), lend_the_stack_and_yield)
            }));
            assert!(caught.is_err(), "the policy panicked");
            // Only reached if the runtime let the panic through, having freed
            // the stack or not: let the scoped thread read for a while.
            thread::sleep(Duration::from_millis(200));
        })
        .unwrap();
    // Not SIGSEGV (a read of the unmapped stack), not CORRUPTED (a read of
    // memory mapped again for something else), not a clean exit either.
    assert_eq!(
        end,
        ChildEnd::Killed(libc::SIGABRT),
        "child stderr: {stderr}"
    );
    assert!(
        stderr.contains("1 green thread(s) were suspended"),
        "child stderr: {stderr}"
    );
}
