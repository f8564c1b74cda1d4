//! A narrow wrapper around epoll: register a socket once, then ask which
//! registered sockets became ready.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

use crate::sys::cvt;

/// One epoll instance.
pub struct Poller {
    epoll: OwnedFd,
}

/// What epoll reported about one registered file descriptor.
#[derive(Clone, Copy, Debug)]
pub struct Event {
    pub token: u64,
    /// Data, end of stream, a hang-up or an error: a read will not block.
    pub readable: bool,
    /// Buffer space, a hang-up or an error: a write will not block.
    pub writable: bool,
}

/// Room for the events one `wait` returns.
pub struct Events {
    buf: Vec<libc::epoll_event>,
    len: usize,
}

// ANCHOR: register
impl Poller {
    pub fn new() -> io::Result<Poller> {
        // SAFETY: epoll_create1 takes no pointers; the result is checked.
        let fd = cvt(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        // SAFETY: `fd` is a new descriptor that nothing else owns.
        let epoll = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Poller { epoll })
    }

    /// Watches `fd` for reads and writes, edge-triggered, until `delete`.
    /// Edge-triggered means epoll reports a change once; the caller must only
    /// ever wait after a read or write has returned `EAGAIN`.
    pub fn add(&self, fd: RawFd, token: u64) -> io::Result<()> {
        let interest =
            libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP | libc::EPOLLET;
        let mut event = libc::epoll_event {
            events: interest as u32,
            u64: token,
        };
        // SAFETY: `event` is a valid epoll_event for the duration of the call.
        cvt(unsafe {
            libc::epoll_ctl(
                self.epoll.as_raw_fd(),
                libc::EPOLL_CTL_ADD,
                fd,
                &mut event,
            )
        })?;
        Ok(())
    }

    pub fn delete(&self, fd: RawFd) -> io::Result<()> {
        // SAFETY: EPOLL_CTL_DEL ignores the event pointer (null is allowed
        // since Linux 2.6.9).
        let ret = unsafe {
            libc::epoll_ctl(
                self.epoll.as_raw_fd(),
                libc::EPOLL_CTL_DEL,
                fd,
                std::ptr::null_mut(),
            )
        };
        cvt(ret)?;
        Ok(())
    }
}
// ANCHOR_END: register

// ANCHOR: wait
impl Poller {
    /// Waits until a registered descriptor is ready or `timeout` passes
    /// (`None`: no limit, `Some(ZERO)`: just look). A signal that interrupts
    /// the wait (`EINTR`) counts as "nothing ready yet".
    pub fn wait(
        &self,
        events: &mut Events,
        timeout: Option<Duration>,
    ) -> io::Result<()> {
        let timeout_ms = match timeout {
            None => -1,
            // Round up: waking a little late is fine, waking early spins.
            Some(t) => i32::try_from(t.as_nanos().div_ceil(1_000_000))
                .unwrap_or(i32::MAX),
        };
        let capacity = i32::try_from(events.buf.len()).unwrap_or(i32::MAX);
        // SAFETY: the kernel writes at most `capacity` events into `buf`,
        // which holds that many.
        let ret = unsafe {
            libc::epoll_wait(
                self.epoll.as_raw_fd(),
                events.buf.as_mut_ptr(),
                capacity,
                timeout_ms,
            )
        };
        events.len = match cvt(ret) {
            Ok(n) => n as usize,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => 0,
            Err(e) => return Err(e),
        };
        Ok(())
    }
}
// ANCHOR_END: wait

impl Events {
    pub fn with_capacity(capacity: usize) -> Events {
        Events {
            buf: vec![libc::epoll_event { events: 0, u64: 0 }; capacity],
            len: 0,
        }
    }

    // ANCHOR: events
    pub fn iter(&self) -> impl Iterator<Item = Event> + '_ {
        self.buf[..self.len].iter().map(|event| {
            let flags = event.events as i32;
            let closed_or_failed =
                flags & (libc::EPOLLHUP | libc::EPOLLERR) != 0;
            Event {
                token: event.u64,
                readable: closed_or_failed
                    || flags & (libc::EPOLLIN | libc::EPOLLRDHUP) != 0,
                writable: closed_or_failed || flags & libc::EPOLLOUT != 0,
            }
        })
    }
    // ANCHOR_END: events
}
