//! Thin, safe wrappers around the few system calls this chapter uses.
//!
//! One helper, [`cvt`], turns the C convention "return -1 and set `errno`"
//! into an `io::Result`, so no caller repeats that check.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// Turns a `-1` return value into the error `errno` describes.
pub fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// Same as [`cvt`] for calls that return a byte count (`ssize_t`).
pub fn cvt_size(ret: libc::ssize_t) -> io::Result<usize> {
    // A negative count other than -1 never happens; `try_from` keeps it honest.
    usize::try_from(ret).map_err(|_| io::Error::last_os_error())
}

/// A pipe: bytes written to `writer` come out of `reader`.
pub struct Pipe {
    pub reader: OwnedFd,
    pub writer: OwnedFd,
}

/// Creates a pipe whose two ends are closed on `exec`.
pub fn pipe() -> io::Result<Pipe> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` is a writable array of two `c_int`, as pipe2 requires.
    cvt(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    // SAFETY: pipe2 succeeded, so both descriptors are open and nothing else
    // owns them; each `OwnedFd` becomes their only owner.
    let (reader, writer) =
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    Ok(Pipe { reader, writer })
}

// ANCHOR: read
/// Reads into `buf` with one `read(2)`, which blocks until at least one byte
/// is there (or the writer is gone: then it returns 0).
///
/// If a signal handler runs in this thread while it sleeps, the kernel may
/// give up and return `EINTR` before anything was read; we simply ask again.
pub fn read(fd: &impl AsRawFd, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        // SAFETY: `buf` is valid for writes of `buf.len()` bytes for the whole
        // call, and the kernel writes at most that many.
        let ret = unsafe {
            libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len())
        };
        match cvt_size(ret) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            result => return result,
        }
    }
}
// ANCHOR_END: read

/// Writes all of `buf`, retrying after `EINTR` and after short writes.
pub fn write_all(fd: &impl AsRawFd, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        // SAFETY: `buf` is valid for reads of `buf.len()` bytes for the call.
        let ret = unsafe {
            libc::write(fd.as_raw_fd(), buf.as_ptr().cast(), buf.len())
        };
        match cvt_size(ret) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The kernel's id of the calling thread (what `/proc/self/task/` lists).
pub fn gettid() -> libc::pid_t {
    // SAFETY: gettid has no preconditions and cannot fail.
    unsafe { libc::gettid() }
}

/// The parent's process id: a system call that cannot block or fail and
/// does next to nothing in the kernel, so timing it times the trip into the
/// kernel and back.
pub fn getppid() -> libc::pid_t {
    // SAFETY: getppid has no preconditions and cannot fail.
    unsafe { libc::getppid() }
}

/// How often the calling thread gave up the CPU: voluntarily (it blocked, as
/// in a `read` with nothing to read) and involuntarily (it was preempted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContextSwitches {
    pub voluntary: u64,
    pub involuntary: u64,
}

impl std::ops::Add for ContextSwitches {
    type Output = Self;
    fn add(self, other: Self) -> Self {
        ContextSwitches {
            voluntary: self.voluntary + other.voluntary,
            involuntary: self.involuntary + other.involuntary,
        }
    }
}

impl std::ops::Sub for ContextSwitches {
    type Output = Self;
    /// The switches between an earlier reading `other` and this one.
    fn sub(self, other: Self) -> Self {
        ContextSwitches {
            voluntary: self.voluntary.saturating_sub(other.voluntary),
            involuntary: self.involuntary.saturating_sub(other.involuntary),
        }
    }
}

/// The calling thread's context-switch counters (`getrusage(RUSAGE_THREAD)`).
pub fn thread_context_switches() -> io::Result<ContextSwitches> {
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable `rusage`.
    cvt(unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) })?;
    Ok(ContextSwitches {
        voluntary: usage.ru_nvcsw.try_into().unwrap_or(0),
        involuntary: usage.ru_nivcsw.try_into().unwrap_or(0),
    })
}

/// The CPUs this process may run on, in increasing order.
pub fn allowed_cpus() -> io::Result<Vec<usize>> {
    // SAFETY: an all-zero `cpu_set_t` is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is writable and we pass its exact size; pid 0 is "me".
    cvt(unsafe {
        libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set)
    })?;
    let capacity = 8 * size_of::<libc::cpu_set_t>();
    // SAFETY: every `cpu` is below the set's capacity in bits.
    Ok((0..capacity)
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .collect())
}

// ANCHOR: pin
/// Pins the calling thread to one CPU.
pub fn pin_to_cpu(cpu: usize) -> io::Result<()> {
    if cpu >= 8 * size_of::<libc::cpu_set_t>() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "CPU number too large",
        ));
    }
    // SAFETY: an all-zero `cpu_set_t` is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `cpu` was checked to be below the set's capacity in bits.
    unsafe { libc::CPU_SET(cpu, &mut set) };
    // SAFETY: `set` is a valid set of the size we pass; pid 0 is this thread.
    cvt(unsafe {
        libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set)
    })?;
    Ok(())
}
// ANCHOR_END: pin
