//! Running a piece of code in a forked child process, to watch it crash
//! without crashing ourselves.

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
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
    let pid = fork_into(f, || {})?;
    wait(pid, timeout, || Ok(()))
}
// ANCHOR_END: in_child

/// [`in_child`], and also returns what the child wrote to its stderr (file
/// descriptor 2: a test harness that captures `eprintln!` does not see it).
pub fn in_child_capturing_stderr(
    timeout: Duration,
    f: impl FnOnce(),
) -> io::Result<(ChildEnd, String)> {
    let (read_end, write_end) = pipe()?;
    let pid = fork_into(f, || {
        // SAFETY: both are open descriptors of this (child) process.
        unsafe { libc::dup2(write_end.as_raw_fd(), 2) };
    })?;
    drop(write_end);
    let mut read_end = File::from(read_end);
    let mut stderr = Vec::new();
    // Drained while waiting, so a chatty child never blocks on a full pipe.
    let end = wait(pid, timeout, || drain(&mut read_end, &mut stderr))?;
    drain(&mut read_end, &mut stderr)?;
    Ok((end, String::from_utf8_lossy(&stderr).into_owned()))
}

/// Forks; the child runs `setup`, then `f`, then exits. Returns the child's
/// process id in the parent.
fn fork_into(f: impl FnOnce(), setup: impl FnOnce()) -> io::Result<i32> {
    // SAFETY: fork has no preconditions; the child below only runs `f` and
    // then leaves with `_exit`, never returning into the parent's code.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        forbid_core_dumps();
        setup();
        let status = match panic::catch_unwind(AssertUnwindSafe(f)) {
            Ok(()) => 0,
            Err(_) => 101,
        };
        // SAFETY: `_exit` ends the child at once, without running the
        // parent's atexit handlers or flushing its copied buffers.
        unsafe { libc::_exit(status) };
    }
    Ok(pid)
}

/// A pipe whose read end does not block: (read end, write end).
fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    let flags = libc::O_CLOEXEC;
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), flags) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe2 just opened both descriptors; nothing else owns them.
    let ends =
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: F_SETFL on a descriptor we own takes no pointers.
    if unsafe { libc::fcntl(fds[0], libc::F_SETFL, libc::O_NONBLOCK) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(ends)
}

/// Appends what the pipe holds now to `into`, without waiting for more.
fn drain(pipe: &mut File, into: &mut Vec<u8>) -> io::Result<()> {
    let mut buf = [0; 4096];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => into.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// A crash we cause on purpose must not leave a core file behind.
fn forbid_core_dumps() {
    let none = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `none` is a valid rlimit that lives across the call.
    unsafe { libc::setrlimit(libc::RLIMIT_CORE, &none) };
}

/// Polls for the child's end, calling `meanwhile` between two looks; kills
/// the child if `timeout` passes first.
fn wait(
    pid: libc::pid_t,
    timeout: Duration,
    mut meanwhile: impl FnMut() -> io::Result<()>,
) -> io::Result<ChildEnd> {
    let deadline = Instant::now() + timeout;
    loop {
        meanwhile()?;
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
