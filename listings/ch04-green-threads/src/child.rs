//! Running a piece of code in a forked child process, to watch it crash
//! without crashing ourselves.

use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::thread;
use std::time::{Duration, Instant};

/// How a child process ended.
#[derive(Debug, PartialEq, Eq)]
pub enum ChildEnd {
    /// It called `exit` with this status.
    Exited(i32),
    /// A signal killed it: `libc::SIGSEGV` for a fault nobody handled.
    Killed(i32),
}

// ANCHOR: in_child
/// Forks, runs `f` in the child, and waits up to `timeout` for the child to
/// end. The child exits with 0 if `f` returns and 101 if it panics.
///
/// The child has only the thread that forked: `f` must not need a lock
/// another thread of this process might have held at that moment.
pub fn in_child(timeout: Duration, f: impl FnOnce()) -> io::Result<ChildEnd> {
    // SAFETY: fork has no preconditions; the child below only runs `f` and
    // then leaves with `_exit`, never returning into the parent's code.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        forbid_core_dumps();
        let status = match panic::catch_unwind(AssertUnwindSafe(f)) {
            Ok(()) => 0,
            Err(_) => 101,
        };
        // SAFETY: `_exit` ends the child at once, without running the
        // parent's atexit handlers or flushing its copied buffers.
        unsafe { libc::_exit(status) };
    }
    wait(pid, timeout)
}
// ANCHOR_END: in_child

/// A crash we cause on purpose must not leave a core file behind.
fn forbid_core_dumps() {
    let none = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `none` is a valid rlimit that lives across the call.
    unsafe { libc::setrlimit(libc::RLIMIT_CORE, &none) };
}

/// Polls for the child's end; kills it if `timeout` passes first.
fn wait(pid: libc::pid_t, timeout: Duration) -> io::Result<ChildEnd> {
    let deadline = Instant::now() + timeout;
    loop {
        let mut status = 0;
        // SAFETY: `pid` is our child and `status` a valid out-pointer.
        let waited = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        match waited {
            -1 if io::Error::last_os_error().kind()
                == io::ErrorKind::Interrupted =>
            {
                continue;
            }
            -1 => return Err(io::Error::last_os_error()),
            0 if Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(5))
            }
            0 => {
                // SAFETY: `pid` is our child, not yet reaped, so it is not
                // some other process that reused the id.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                    libc::waitpid(pid, &mut status, 0);
                }
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "child still running",
                ));
            }
            _ if libc::WIFSIGNALED(status) => {
                return Ok(ChildEnd::Killed(libc::WTERMSIG(status)));
            }
            _ => return Ok(ChildEnd::Exited(libc::WEXITSTATUS(status))),
        }
    }
}
