//! The poller on Linux: an epoll instance, plus an eventfd that another
//! thread writes to when it wants a blocked `wait` to return.
//!
//! Chapter 6's poller with two changes for the reactor: the eventfd is
//! registered edge-triggered, so it never needs reading back, and every
//! system call is counted (`crate::count`).

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::{Event, Interest, Mode, Token, remaining};
use crate::count::{self, Syscall};
use crate::sys::cvt;

// ANCHOR: poller
/// An epoll instance and its wake-up descriptor.
pub struct Poller {
    epoll: OwnedFd,
    /// An eventfd, registered edge-triggered under [`Token::NOTIFY`]: every
    /// write to it makes a blocked `wait` return.
    wake: OwnedFd,
    /// True from the first `notify` until a `wait` has consumed it, so a
    /// burst of notifications costs one write.
    notified: AtomicBool,
}

impl Poller {
    pub fn new() -> io::Result<Poller> {
        // SAFETY: no pointers; the result is checked.
        let fd = cvt(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        // SAFETY: `fd` is a new descriptor that nothing else owns.
        let epoll = unsafe { OwnedFd::from_raw_fd(fd) };
        let flags = libc::EFD_CLOEXEC | libc::EFD_NONBLOCK;
        // SAFETY: as above.
        let fd = cvt(unsafe { libc::eventfd(0, flags) })?;
        // SAFETY: as above.
        let wake = unsafe { OwnedFd::from_raw_fd(fd) };
        let poller = Poller {
            epoll,
            wake,
            notified: AtomicBool::new(false),
        };
        // Edge-triggered: each write is an edge of its own, whatever the
        // counter holds, so `wait` never has to read the counter back to
        // hear the next one. (It would overflow after 2^64 - 2 writes.)
        let fd = poller.wake.as_raw_fd();
        let flags = libc::EPOLLIN | libc::EPOLLET;
        poller.ctl(libc::EPOLL_CTL_ADD, fd, flags, Token::NOTIFY)?;
        Ok(poller)
    }
}
// ANCHOR_END: poller

// ANCHOR: ctl
impl Poller {
    /// Starts watching `fd` for `interest`; its events carry `token`.
    pub fn add(
        &self,
        fd: BorrowedFd<'_>,
        token: Token,
        interest: Interest,
        mode: Mode,
    ) -> io::Result<()> {
        let flags = flags(interest, mode);
        self.ctl(libc::EPOLL_CTL_ADD, fd.as_raw_fd(), flags, token)
    }

    /// Changes what an added `fd` is watched for, and under which token.
    /// Also re-arms a [`Mode::Oneshot`] registration that has fired.
    pub fn modify(
        &self,
        fd: BorrowedFd<'_>,
        token: Token,
        interest: Interest,
        mode: Mode,
    ) -> io::Result<()> {
        let flags = flags(interest, mode);
        self.ctl(libc::EPOLL_CTL_MOD, fd.as_raw_fd(), flags, token)
    }

    /// Stops watching `fd`. Call it before closing `fd`: see the chapter on
    /// why a registration can outlive the descriptor number.
    pub fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        // EPOLL_CTL_DEL ignores the event; the token is never read.
        self.ctl(libc::EPOLL_CTL_DEL, fd.as_raw_fd(), 0, Token(0))
    }

    fn ctl(
        &self,
        op: libc::c_int,
        fd: RawFd,
        flags: libc::c_int,
        token: Token,
    ) -> io::Result<()> {
        let mut event = libc::epoll_event {
            events: flags as u32,
            u64: token.0,
        };
        // SAFETY: `event` is a valid epoll_event for the whole call, and the
        // kernel copies it; it keeps no pointer to it.
        let epoll = self.epoll.as_raw_fd();
        count::add(Syscall::EpollCtl);
        cvt(unsafe { libc::epoll_ctl(epoll, op, fd, &mut event) })?;
        Ok(())
    }
}

/// The epoll flags for an interest and a mode. `EPOLLHUP` and `EPOLLERR`
/// are always reported, asked for or not.
fn flags(interest: Interest, mode: Mode) -> libc::c_int {
    let mut flags = match mode {
        Mode::Level => 0,
        Mode::Edge => libc::EPOLLET,
        Mode::Oneshot => libc::EPOLLONESHOT,
    };
    if interest.readable {
        flags |= libc::EPOLLIN | libc::EPOLLRDHUP;
    }
    if interest.writable {
        flags |= libc::EPOLLOUT;
    }
    flags
}
// ANCHOR_END: ctl

// ANCHOR: exclusive
impl Poller {
    /// Linux only: like [`add`](Poller::add) with `EPOLLEXCLUSIVE`. When
    /// several epoll instances wait for the same descriptor, an event wakes
    /// one of them (or a few) instead of all. Only for `EPOLL_CTL_ADD`, and
    /// only with `EPOLLIN`, `EPOLLOUT` and `EPOLLET`; anything else is
    /// `EINVAL`.
    pub fn add_exclusive(
        &self,
        fd: BorrowedFd<'_>,
        token: Token,
        interest: Interest,
        mode: Mode,
    ) -> io::Result<()> {
        let mut flags = libc::EPOLLEXCLUSIVE;
        match mode {
            Mode::Level => {}
            Mode::Edge => flags |= libc::EPOLLET,
            Mode::Oneshot => {
                return Err(io::Error::from_raw_os_error(libc::EINVAL));
            }
        }
        if interest.readable {
            flags |= libc::EPOLLIN;
        }
        if interest.writable {
            flags |= libc::EPOLLOUT;
        }
        self.ctl(libc::EPOLL_CTL_ADD, fd.as_raw_fd(), flags, token)
    }
}
// ANCHOR_END: exclusive

// ANCHOR: wait
impl Poller {
    /// Waits until a registered descriptor is ready, [`notify`] is called,
    /// or `timeout` passes (`None`: no limit; zero: just look). A signal
    /// that interrupts the wait (`EINTR`) does not end it: it restarts
    /// with the time that is left. Returns the number of events.
    ///
    /// [`notify`]: Poller::notify
    pub fn wait(
        &self,
        events: &mut Events,
        timeout: Option<Duration>,
    ) -> io::Result<usize> {
        // No deadline if none was given, or if it lies beyond any clock.
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let capacity =
            libc::c_int::try_from(events.buf.len()).unwrap_or(libc::c_int::MAX);
        let ready = loop {
            let timeout_ms = match remaining(deadline) {
                None => -1,
                // Round up: waking a little late is fine, early spins.
                Some(left) => {
                    libc::c_int::try_from(left.as_nanos().div_ceil(1_000_000))
                        .unwrap_or(libc::c_int::MAX)
                }
            };
            count::add(Syscall::EpollWait);
            // SAFETY: the kernel writes at most `capacity` events into
            // `buf`, which holds that many.
            let ret = unsafe {
                libc::epoll_wait(
                    self.epoll.as_raw_fd(),
                    events.buf.as_mut_ptr(),
                    capacity,
                    timeout_ms,
                )
            };
            match cvt(ret) {
                Ok(n) => break n as usize,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        events.len = ready;
        let notified = events.raw().any(|e| e.u64 == Token::NOTIFY.0);
        events.notified = notified;
        // From here on, a `notify` writes again: its edge will end the next
        // `wait`. A swap, not a store, so that this thread also sees what
        // the notifier wrote before it notified (the swap reads its `true`).
        self.notified.swap(false, Ordering::AcqRel);
        Ok(events.iter().count())
    }
}
// ANCHOR_END: wait

// ANCHOR: notify
impl Poller {
    /// Makes the current `wait` return, or the next one if no thread is
    /// waiting. Callable from any thread; a burst of calls before the
    /// waiter wakes costs one `write`.
    pub fn notify(&self) -> io::Result<()> {
        if self.notified.swap(true, Ordering::AcqRel) {
            return Ok(()); // a wake-up is already on its way
        }
        let one = 1u64;
        count::add(Syscall::Notify);
        // SAFETY: writes 8 bytes from a live u64.
        let ret = unsafe {
            libc::write(self.wake.as_raw_fd(), (&raw const one).cast(), 8)
        };
        match cvt(ret) {
            Ok(_) => Ok(()),
            // The counter is at its maximum: a wake-up is pending anyway.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            Err(e) => Err(e),
        }
    }
}
// ANCHOR_END: notify

/// Room for the events one `wait` returns.
pub struct Events {
    buf: Vec<libc::epoll_event>,
    len: usize,
    notified: bool,
}

impl Events {
    pub fn with_capacity(capacity: usize) -> Events {
        Events {
            buf: vec![libc::epoll_event { events: 0, u64: 0 }; capacity.max(1)],
            len: 0,
            notified: false,
        }
    }

    /// Did the last `wait` return (also) because of a `notify`?
    pub fn notified(&self) -> bool {
        self.notified
    }

    fn raw(&self) -> impl Iterator<Item = libc::epoll_event> + '_ {
        self.buf[..self.len].iter().copied()
    }

    // ANCHOR: events
    /// The events of the last `wait`, without the poller's own wake-ups.
    pub fn iter(&self) -> impl Iterator<Item = Event> + '_ {
        self.raw()
            .filter(|raw| raw.u64 != Token::NOTIFY.0)
            .map(|raw| {
                let flags = raw.events as libc::c_int;
                let has = |bits: libc::c_int| flags & bits != 0;
                let hangup = has(libc::EPOLLHUP | libc::EPOLLERR);
                Event {
                    token: Token(raw.u64),
                    readable: hangup || has(libc::EPOLLIN | libc::EPOLLRDHUP),
                    writable: hangup || has(libc::EPOLLOUT),
                    read_closed: has(libc::EPOLLRDHUP),
                    hangup,
                }
            })
    }
    // ANCHOR_END: events
}
