//! The poller on macOS: a kqueue. The same interface as [`super::epoll`];
//! in this book it is type-checked for macOS, never run.
//!
//! kqueue registers a *filter* per descriptor and direction
//! (`EVFILT_READ`, `EVFILT_WRITE`), and reports each filter as its own
//! event. Changes and waiting go through one system call, `kevent`.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::{Event, Interest, Mode, Token, remaining};
use crate::sys::cvt;

// ANCHOR: poller
/// A kqueue. Its wake-up needs no descriptor: an `EVFILT_USER` filter that
/// `notify` triggers.
pub struct Poller {
    kq: OwnedFd,
    /// True from the first `notify` until a `wait` has consumed it.
    notified: AtomicBool,
}

/// The identifier of the `EVFILT_USER` filter that `notify` triggers.
const WAKE_IDENT: usize = 0;

impl Poller {
    pub fn new() -> io::Result<Poller> {
        // SAFETY: no pointers; the result is checked.
        let fd = cvt(unsafe { libc::kqueue() })?;
        // SAFETY: `fd` is a new descriptor that nothing else owns.
        let kq = unsafe { OwnedFd::from_raw_fd(fd) };
        // macOS has no `kqueue1(O_CLOEXEC)`: set close-on-exec afterwards.
        // SAFETY: F_SETFD on a descriptor we own; no pointers.
        cvt(unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) })?;
        let poller = Poller {
            kq,
            notified: AtomicBool::new(false),
        };
        // EV_CLEAR: the trigger resets once a wait has reported it.
        let flags = libc::EV_ADD | libc::EV_CLEAR | libc::EV_RECEIPT;
        let wake = change(WAKE_IDENT, libc::EVFILT_USER, flags, Token::NOTIFY);
        poller.apply(&mut [wake], &[])?;
        Ok(poller)
    }
}
// ANCHOR_END: poller

/// One entry of a change list.
fn change(ident: usize, filter: i16, flags: u16, token: Token) -> libc::kevent {
    libc::kevent {
        ident,
        filter,
        flags,
        fflags: 0,
        data: 0,
        // The token is a number, not a pointer: it has no provenance.
        udata: ptr::without_provenance_mut(token.0 as usize),
    }
}

// ANCHOR: ctl
impl Poller {
    /// Starts watching `fd`: one filter per direction of `interest`.
    pub fn add(
        &self,
        fd: BorrowedFd<'_>,
        token: Token,
        interest: Interest,
        mode: Mode,
    ) -> io::Result<()> {
        let mut changes = Vec::with_capacity(2);
        push_filters(&mut changes, fd.as_raw_fd(), token, interest, mode);
        self.apply(&mut changes, &[])
    }

    /// Replaces what `fd` is watched for: deletes both filters, then adds
    /// the wanted ones, in one call. Like `EPOLL_CTL_MOD`, it re-arms a
    /// fired one-shot filter, and a filter that is ready now reports again.
    pub fn modify(
        &self,
        fd: BorrowedFd<'_>,
        token: Token,
        interest: Interest,
        mode: Mode,
    ) -> io::Result<()> {
        let fd = fd.as_raw_fd();
        let mut changes = delete_filters(fd).to_vec();
        push_filters(&mut changes, fd, token, interest, mode);
        // Deleting a filter that was never added fails with ENOENT.
        self.apply(&mut changes, &[libc::ENOENT])
    }

    /// Stops watching `fd`. (Closing `fd` also removes its filters: kqueue
    /// ties them to the descriptor, not to the open file description.)
    pub fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        let mut changes = delete_filters(fd.as_raw_fd());
        self.apply(&mut changes, &[libc::ENOENT])
    }

    /// Submits `changes`. With `EV_RECEIPT`, the kernel answers each change
    /// with an entry whose `data` is its error number (0 for success),
    /// written back over the change list.
    fn apply(
        &self,
        changes: &mut [libc::kevent],
        ignored: &[libc::c_int],
    ) -> io::Result<()> {
        let n = libc::c_int::try_from(changes.len())
            .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
        // SAFETY: `changes` is read as `n` entries and overwritten with at
        // most `n` receipts; a null timeout is allowed and never waits
        // here, since every change carries EV_RECEIPT.
        let ret = unsafe {
            libc::kevent(
                self.kq.as_raw_fd(),
                changes.as_ptr(),
                n,
                changes.as_mut_ptr(),
                n,
                ptr::null(),
            )
        };
        match cvt(ret) {
            Ok(_) => {}
            // The changes were applied before the signal came.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
        for receipt in changes.iter() {
            let errno = receipt.data as libc::c_int;
            let failed = receipt.flags & libc::EV_ERROR != 0 && errno != 0;
            if failed && !ignored.contains(&errno) {
                return Err(io::Error::from_raw_os_error(errno));
            }
        }
        Ok(())
    }
}

/// Appends the filters for `interest` in `mode`.
fn push_filters(
    changes: &mut Vec<libc::kevent>,
    fd: RawFd,
    token: Token,
    interest: Interest,
    mode: Mode,
) {
    let flags = libc::EV_ADD
        | libc::EV_RECEIPT
        | match mode {
            Mode::Level => 0,
            Mode::Edge => libc::EV_CLEAR,
            Mode::Oneshot => libc::EV_ONESHOT,
        };
    let ident = fd as usize;
    if interest.readable {
        changes.push(change(ident, libc::EVFILT_READ, flags, token));
    }
    if interest.writable {
        changes.push(change(ident, libc::EVFILT_WRITE, flags, token));
    }
}

fn delete_filters(fd: RawFd) -> [libc::kevent; 2] {
    let flags = libc::EV_DELETE | libc::EV_RECEIPT;
    let ident = fd as usize;
    [
        change(ident, libc::EVFILT_READ, flags, Token(0)),
        change(ident, libc::EVFILT_WRITE, flags, Token(0)),
    ]
}
// ANCHOR_END: ctl

// ANCHOR: wait
impl Poller {
    /// Waits until a filter fires, [`notify`](Poller::notify) is called,
    /// or `timeout` passes; restarts after `EINTR` with the time left.
    pub fn wait(
        &self,
        events: &mut Events,
        timeout: Option<Duration>,
    ) -> io::Result<usize> {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let capacity =
            libc::c_int::try_from(events.buf.len()).unwrap_or(libc::c_int::MAX);
        let ready = loop {
            let left = remaining(deadline).map(|left| libc::timespec {
                tv_sec: libc::time_t::try_from(left.as_secs())
                    .unwrap_or(libc::time_t::MAX),
                tv_nsec: libc::c_long::from(left.subsec_nanos() as i32),
            });
            let timeout_ptr =
                left.as_ref().map_or(ptr::null(), |t| t as *const _);
            // SAFETY: no changes are passed; the kernel writes at most
            // `capacity` events into `buf`, which holds that many;
            // `timeout_ptr` is null or points to `left`, alive here.
            let ret = unsafe {
                libc::kevent(
                    self.kq.as_raw_fd(),
                    ptr::null(),
                    0,
                    events.buf.as_mut_ptr(),
                    capacity,
                    timeout_ptr,
                )
            };
            match cvt(ret) {
                Ok(n) => break n as usize,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        events.len = ready;
        let notified = events.raw().any(|e| e.filter == libc::EVFILT_USER);
        events.notified = notified;
        // EV_CLEAR already reset the trigger; let the next notify through.
        self.notified.swap(false, Ordering::AcqRel);
        Ok(events.iter().count())
    }
}
// ANCHOR_END: wait

// ANCHOR: notify
impl Poller {
    /// Makes the current `wait` return, or the next one. A burst of calls
    /// costs one `kevent`.
    pub fn notify(&self) -> io::Result<()> {
        if self.notified.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let mut trigger = change(
            WAKE_IDENT,
            libc::EVFILT_USER,
            libc::EV_RECEIPT,
            Token::NOTIFY,
        );
        trigger.fflags = libc::NOTE_TRIGGER;
        self.apply(&mut [trigger], &[])
    }
}
// ANCHOR_END: notify

/// Room for the events one `wait` returns.
pub struct Events {
    buf: Vec<libc::kevent>,
    len: usize,
    notified: bool,
}

// Chapter 15: the worker that turns the reactor may be any worker, so the
// reactor, this buffer included, moves between threads.
// SAFETY: the only pointer in a `kevent` is `udata`, and here it only ever
// holds a token's number (see `change`); nothing dereferences it, so the
// buffer shares no memory with the thread it came from.
unsafe impl Send for Events {}

impl Events {
    pub fn with_capacity(capacity: usize) -> Events {
        let empty = change(0, 0, 0, Token(0));
        Events {
            buf: vec![empty; capacity.max(1)],
            len: 0,
            notified: false,
        }
    }

    /// Did the last `wait` return (also) because of a `notify`?
    pub fn notified(&self) -> bool {
        self.notified
    }

    fn raw(&self) -> impl Iterator<Item = &libc::kevent> + '_ {
        self.buf[..self.len].iter()
    }

    // ANCHOR: events
    /// The events of the last `wait`, one per fired filter, without the
    /// poller's own wake-ups.
    pub fn iter(&self) -> impl Iterator<Item = Event> + '_ {
        self.raw()
            .filter(|raw| raw.filter != libc::EVFILT_USER)
            .map(|raw| {
                let read = raw.filter == libc::EVFILT_READ;
                let write = raw.filter == libc::EVFILT_WRITE;
                let eof = raw.flags & libc::EV_EOF != 0;
                let hangup = raw.flags & libc::EV_ERROR != 0 || (write && eof);
                Event {
                    token: Token(raw.udata.addr() as u64),
                    readable: read || hangup,
                    writable: write || hangup,
                    read_closed: read && eof,
                    hangup,
                }
            })
    }
    // ANCHOR_END: events
}
