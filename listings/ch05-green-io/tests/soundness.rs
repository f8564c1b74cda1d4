//! A scheduler that gives up while green threads are parked must not free
//! their stacks. Safe code can tell: a green thread lends a local array to a
//! scoped OS thread (`std::thread::scope` promises it stays valid until the
//! scope ends), the scoped thread keeps reading it, and the green thread
//! parks with nothing to wake it. If the deadlock were an ordinary panic,
//! caught by the caller of `run`, unwinding would unmap the stack under the
//! reader. Runs in a child process, which is expected to die.

use std::hint::black_box;
use std::panic::{self, AssertUnwindSafe};
use std::thread;
use std::time::Duration;

use ch05_green_io::child::{ChildEnd, in_child_capturing_stderr};
use ch05_green_io::{park, run};

/// What the scoped thread's exit status says if it read a changed value.
const CORRUPTED: i32 = 3;

/// Lends 16 KiB of this green thread's stack to a scoped OS thread, then
/// parks with nothing that could ever wake it.
fn lend_the_stack_and_park() {
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
        park(); // the scheduler finds a deadlock
    });
}

#[test]
fn a_deadlock_aborts_rather_than_free_a_borrowed_stack() {
    let (end, stderr) =
        in_child_capturing_stderr(Duration::from_secs(60), || {
            let _ = panic::catch_unwind(AssertUnwindSafe(|| {
                run(lend_the_stack_and_park)
            }));
            // Only reached if the runtime unwound: let the scoped thread read
            // the stack for a while, freed or not.
            thread::sleep(Duration::from_millis(200));
        })
        .expect("fork");
    // Not SIGSEGV (a read of the unmapped stack), not CORRUPTED (a read of
    // memory mapped again for something else), not a clean exit either.
    assert_eq!(end, ChildEnd::Killed(libc::SIGABRT), "stderr: {stderr}");
    assert!(stderr.contains("deadlock"), "stderr: {stderr}");
}

#[test]
fn a_panicking_policy_aborts_rather_than_free_a_parked_stack() {
    use ch05_green_io::{Policy, RoundRobin, ThreadId, run_with, yield_now};
    use std::cell::Cell;
    use std::rc::Rc;

    /// Round robin that panics when asked for a thread once it is armed.
    struct Faulty {
        inner: RoundRobin,
        armed: Rc<Cell<bool>>,
    }

    impl Policy for Faulty {
        fn push(&mut self, thread: ThreadId, priority: u8) {
            self.inner.push(thread, priority);
        }

        fn pop(&mut self) -> Option<ThreadId> {
            assert!(!self.armed.get(), "the policy failed");
            self.inner.pop()
        }
    }

    let (end, stderr) =
        in_child_capturing_stderr(Duration::from_secs(60), || {
            let armed = Rc::new(Cell::new(false));
            let policy = Faulty {
                inner: RoundRobin::default(),
                armed: Rc::clone(&armed),
            };
            let _ = panic::catch_unwind(AssertUnwindSafe(|| {
                run_with(policy, move || {
                    let lender = ch05_green_io::spawn(lend_the_stack_and_park);
                    yield_now(); // the lender lends its stack and parks
                    armed.set(true);
                    yield_now(); // the policy panics in the scheduler loop
                    lender.join()
                })
            }));
            thread::sleep(Duration::from_millis(200));
        })
        .expect("fork");
    assert_eq!(end, ChildEnd::Killed(libc::SIGABRT), "stderr: {stderr}");
    assert!(
        stderr.contains("2 green thread(s) were suspended"),
        "stderr: {stderr}"
    );
}
