//! A panic that leaves the scheduler loop while green threads are suspended
//! (here from a scheduling policy) must not free their stacks: one of them
//! has lent an array on its stack to a scoped OS thread that keeps reading
//! it. Runs in a child process, which is expected to die.

mod lend;

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::thread;
use std::time::Duration;

use ch05_green_io::child::{ChildEnd, in_child_capturing_stderr};
use ch05_green_io::{Policy, RoundRobin, ThreadId, run_with, spawn, yield_now};

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

#[test]
fn a_panicking_policy_aborts_rather_than_free_a_parked_stack() {
    let (end, stderr) =
        in_child_capturing_stderr(Duration::from_secs(60), || {
            let armed = Rc::new(Cell::new(false));
            let policy = Faulty {
                inner: RoundRobin::default(),
                armed: Rc::clone(&armed),
            };
            let _ = panic::catch_unwind(AssertUnwindSafe(|| {
                run_with(policy, move || {
                    let lender = spawn(lend::lend_the_stack_and_park);
                    yield_now(); // the lender lends its stack and parks
                    armed.set(true);
                    yield_now(); // the policy panics in the scheduler loop
                    lender.join()
                })
            }));
            // Only reached if the runtime unwound.
            thread::sleep(Duration::from_millis(200));
        })
        .expect("fork");
    assert_eq!(end, ChildEnd::Killed(libc::SIGABRT), "stderr: {stderr}");
    assert!(
        stderr.contains("2 green thread(s) were suspended"),
        "stderr: {stderr}"
    );
}
