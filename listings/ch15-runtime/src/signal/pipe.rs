//! The signal handler's side of [`Signals`](super::Signals): an OS wrapper
//! that knows no tasks. A handler installed with sigaction(2) counts each
//! signal and writes its number, one byte, into a pipe that lives as long
//! as the process; the read end is what the reactor watches.
//!
//! A handler may interrupt any thread between any two instructions, even
//! one holding a lock or inside `malloc`, so it does only what POSIX calls
//! async-signal-safe: an atomic add, a `write(2)`, and it saves and
//! restores `errno` around them. No allocation, no lock, no waker. That is
//! the whole reason for the pipe: it turns a signal into readiness, which
//! the reactor already knows how to wait for (the self-pipe trick).
//!
//! Why not signalfd(2)? It only sees a signal that is blocked in *every*
//! thread of the process, or some thread without the mask takes it the
//! old way and, for SIGTERM, dies. A runtime's worker and timer threads
//! inherit the mask of the thread that started them, so the mask would
//! have to be set before the first thread starts; a handler has no such
//! rule, and it is what tokio and mio's `signal-hook` do too.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::sys::cvt;

/// Signal numbers run from 1 to 64 on Linux (`NSIG` is 65).
const SIGNALS: usize = 65;

// ANCHOR: statics
/// How many times each signal has arrived since the process started.
static RECEIVED: [AtomicU64; SIGNALS] = [const { AtomicU64::new(0) }; SIGNALS];
/// Which signals have our handler.
static INSTALLED: [AtomicBool; SIGNALS] =
    [const { AtomicBool::new(false) }; SIGNALS];
/// The pipe's write end, for the handler; -1 until the pipe exists.
static WRITE_END: AtomicI32 = AtomicI32::new(-1);
/// The pipe's read end, from which each watcher gets its own descriptor;
/// the lock also orders the installation of handlers.
static READ_END: Mutex<Option<OwnedFd>> = Mutex::new(None);
// ANCHOR_END: statics

// ANCHOR: handler
extern "C" fn on_signal(signo: libc::c_int) {
    // SAFETY: `__errno_location` returns this thread's errno, always valid.
    let errno = unsafe { *libc::__errno_location() };
    if let Some(count) =
        usize::try_from(signo).ok().and_then(|i| RECEIVED.get(i))
    {
        count.fetch_add(1, Ordering::SeqCst);
    }
    let byte = signo as u8;
    // SAFETY: write(2) is async-signal-safe; `byte` is one readable byte.
    // If the pipe is full (EAGAIN) the count above still tells the story:
    // the watchers have unread bytes, so they will look.
    unsafe {
        libc::write(
            WRITE_END.load(Ordering::Acquire),
            (&raw const byte).cast(),
            1,
        )
    };
    // SAFETY: as above.
    unsafe { *libc::__errno_location() = errno };
}
// ANCHOR_END: handler

// ANCHOR: install
/// Makes sure `signo` is counted and written to the pipe from now on.
///
/// The previous disposition of `signo` is replaced for good, as tokio's
/// does: SIGINT no longer ends the process; whoever watches it decides.
pub fn install(signo: libc::c_int) -> io::Result<()> {
    let index = usize::try_from(signo)
        .ok()
        .filter(|&i| (1..SIGNALS).contains(&i))
        .ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
    let mut read_end = READ_END.lock().unwrap_or_else(PoisonError::into_inner);
    if read_end.is_none() {
        *read_end = Some(make_pipe()?);
    }
    // Under the lock, after the pipe: a handler never runs without it.
    if !INSTALLED[index].load(Ordering::Acquire) {
        // SAFETY: a zeroed sigaction is a valid "no flags, empty mask".
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        let handler: extern "C" fn(libc::c_int) = on_signal;
        action.sa_sigaction = handler as *const () as libc::sighandler_t;
        // Restart the system calls the signal interrupts, where the
        // kernel can, so other threads see fewer EINTRs.
        action.sa_flags = libc::SA_RESTART;
        // SAFETY: `action` is initialised and its handler is
        // async-signal-safe (see `on_signal`).
        cvt(unsafe { libc::sigaction(signo, &action, std::ptr::null_mut()) })?;
        INSTALLED[index].store(true, Ordering::Release);
    }
    Ok(())
}

/// Makes the pipe, publishes its write end for the handler, and returns
/// its read end.
fn make_pipe() -> io::Result<OwnedFd> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    cvt(unsafe {
        libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC)
    })?;
    // SAFETY: pipe2 succeeded: both are open and nobody else owns them.
    let (read, write) =
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // The write end lives as long as the process: a handler may run at
    // any moment, and must never write to a closed (or reused) descriptor.
    WRITE_END.store(write.into_raw_fd(), Ordering::Release);
    Ok(read)
}

/// A new descriptor for the pipe's read end (non-blocking, close-on-exec),
/// for one watcher to register with its reactor.
pub fn reader() -> io::Result<OwnedFd> {
    let read_end = READ_END.lock().unwrap_or_else(PoisonError::into_inner);
    match &*read_end {
        Some(read) => read.try_clone(),
        None => Err(io::Error::other("no signal is installed yet")),
    }
}
// ANCHOR_END: install

/// How many times `signo` has arrived (0 for a number out of range).
pub fn received(signo: libc::c_int) -> u64 {
    usize::try_from(signo)
        .ok()
        .and_then(|i| RECEIVED.get(i))
        .map_or(0, |count| count.load(Ordering::SeqCst))
}

/// Reads and discards everything in the pipe. `WouldBlock` if it was
/// empty; otherwise how many bytes it held.
pub fn drain(fd: BorrowedFd<'_>) -> io::Result<usize> {
    let mut buf = [0u8; 64];
    let mut total = 0;
    loop {
        // SAFETY: `buf` is writable for its length; `fd` is open.
        let n = unsafe {
            libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len())
        };
        match cvt(n) {
            Ok(0) => return Ok(total), // never: the write end stays open
            Ok(n) => total += n as usize,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && total > 0 => {
                return Ok(total);
            }
            Err(e) => return Err(e),
        }
    }
}
