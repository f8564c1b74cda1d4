//! Shared by the soundness tests: a green thread that lends its stack to a
//! scoped OS thread and parks for good. Each test lives in a binary of its
//! own, so that its process has no other test thread starting up when it
//! forks: qemu-user, which runs the tests on aarch64 in CI, can crash when a
//! process forks while another of its threads is being created.

use std::hint::black_box;
use std::thread;
use std::time::Duration;

use ch05_green_io::park;

/// What the scoped thread's exit status says if it read a changed value.
pub const CORRUPTED: i32 = 3;

/// Lends 16 KiB of this green thread's stack to a scoped OS thread, which
/// keeps reading it, then parks with nothing that could ever wake it.
pub fn lend_the_stack_and_park() {
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
        park(); // never woken
    });
}
