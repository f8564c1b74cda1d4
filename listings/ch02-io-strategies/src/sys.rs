//! The few system calls the listing needs, each turned into an `io::Result`.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// Turns the C convention (`-1` and `errno`) into an `io::Result`.
pub fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// A pipe: bytes written to the write end can be read from the read end.
pub struct Pipe {
    pub reader: OwnedFd,
    pub writer: OwnedFd,
}

/// Creates a pipe whose ends are closed on `exec`.
pub fn pipe() -> io::Result<Pipe> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` is a valid, writable array of two `c_int`s, which is what
    // pipe2 fills in.
    cvt(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    // SAFETY: pipe2 succeeded, so both descriptors are open and nobody else
    // owns them; each `OwnedFd` becomes their only owner.
    let (reader, writer) =
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    Ok(Pipe { reader, writer })
}

/// Makes `read` on `fd` return `EAGAIN` instead of blocking when there is no data.
pub fn set_nonblocking(fd: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: F_GETFL on a descriptor we borrow (so it is open) reads its flags.
    let flags = cvt(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) })?;
    // SAFETY: F_SETFL with the flags we just read plus O_NONBLOCK changes only
    // this descriptor's blocking mode.
    cvt(unsafe {
        libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK)
    })?;
    Ok(())
}
