//! The waiting room: register interest, park the task, resume when the
//! reactor says the socket is ready. Everything a socket type needs to turn
//! a non-blocking system call into a `poll_*` method is here, and nothing
//! else is: which system call to make is the socket's business.
//!
//! The rules, in one place:
//!
//! - try the operation only when the registration's readiness says it can
//!   succeed (the kernel reported it, and nobody has used it up);
//! - when it says `EAGAIN`, clear that readiness, and wait;
//! - wait by leaving the waker in the registration *before* looking at the
//!   readiness one last time, so that an event between the two is seen;
//! - a read (or write) that moved fewer bytes than asked has drained the
//!   socket (or filled it): clear too, and save the `EAGAIN` call;
//! - clear only what the operation saw: if an event came since (its tick
//!   says so), keep the readiness it brought.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::task::{Context, Poll};

use crate::poll::Token;
use crate::reactor::readiness::{READABLE, SHUTDOWN, Snapshot, WRITABLE};
use crate::reactor::table::Slot;
use crate::reactor::{self, Direction, Handle, Registered};
use crate::trace;

// ANCHOR: registration
/// A socket's registration with the reactor of the runtime that made it.
/// Dropping it frees its slot; its owner removes it from epoll first
/// ([`PollEvented`] does).
pub struct Registration {
    handle: Handle,
    registered: Registered,
}
// ANCHOR_END: registration

// SAFETY: the slot pointer is only ever used as `&Slot`, whose fields are
// atomics and waker cells made for use from any thread, and it stays valid
// while `handle` keeps the reactor's table alive.
unsafe impl Send for Registration {}
// SAFETY: as above.
unsafe impl Sync for Registration {}

impl Registration {
    /// Registers `fd` with the reactor of the runtime running on this
    /// thread.
    ///
    /// # Panics
    ///
    /// Outside a runtime, as tokio's sockets do.
    pub fn new(fd: BorrowedFd<'_>) -> io::Result<Registration> {
        let Some(handle) = reactor::current() else {
            panic!(
                "no reactor here: sockets must be made inside a runtime \
                 (a future that `block_on` runs)"
            );
        };
        Registration::with_handle(handle, fd)
    }

    /// Registers `fd` with the reactor behind `handle`.
    pub fn with_handle(
        handle: Handle,
        fd: BorrowedFd<'_>,
    ) -> io::Result<Registration> {
        let registered = handle.register(fd)?;
        Ok(Registration { handle, registered })
    }

    pub fn token(&self) -> Token {
        self.registered.token
    }

    fn slot(&self) -> &Slot {
        // SAFETY: see `unsafe impl Send` above.
        unsafe { self.registered.slot.as_ref() }
    }

    /// What the reactor has reported and nobody has used up, now.
    pub fn readiness(&self) -> Snapshot {
        self.slot().readiness.load()
    }

    // ANCHOR: poll_ready
    /// Ready if the socket can be used in `direction` without blocking, as
    /// far as the reactor knows; otherwise leaves the task's waker for the
    /// reactor and returns `Pending`. The snapshot it returns is what a
    /// later [`clear`](Registration::clear) needs.
    ///
    /// Only the first look is here, small enough to be inlined into every
    /// read and write; the rest, which runs once per wait, is `park`.
    /// (Measured: with the whole of it in one function, called for every
    /// operation, the hello-world server ran 1,555 instructions per request
    /// under callgrind; split, 1,519.)
    #[inline]
    pub fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<Snapshot>> {
        // Chapter 15: an operation spends a unit of the task's budget.
        let coop = std::task::ready!(crate::coop::poll_proceed(cx));
        let now = self.slot().readiness.load();
        if now.is(direction.bits()) {
            coop.made_progress();
            return Poll::Ready(Ok(now));
        }
        self.park(cx, direction, now, coop)
    }

    /// The first look found the socket not ready (`now`): leave the waker,
    /// then look again.
    fn park(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        now: Snapshot,
        coop: crate::coop::RestoreOnPending,
    ) -> Poll<io::Result<Snapshot>> {
        let slot = self.slot();
        if now.is(SHUTDOWN) {
            return Poll::Ready(Err(reactor::gone()));
        }
        let cell = match direction {
            Direction::Read => &slot.reader,
            Direction::Write => &slot.writer,
        };
        let cloned = cell.register(cx.waker());
        if self.handle.is_oneshot() {
            self.handle.arm(&self.registered, direction)?;
        }
        // Look again: an event that came between the first look and the
        // waker's registration found no waker to wake.
        let now = slot.readiness.load();
        if now.is(direction.bits()) {
            coop.made_progress();
            return Poll::Ready(Ok(now));
        }
        if now.is(SHUTDOWN) {
            return Poll::Ready(Err(reactor::gone()));
        }
        trace::record(|| {
            let kept = if cloned {
                "store the waker"
            } else {
                "same waker, kept"
            };
            let (index, generation) = reactor::parts(self.token());
            format!(
                "{}->>R: {index}/{generation} not {} yet: {kept}",
                trace::actor(),
                direction.name()
            )
        });
        Poll::Pending
    }
    // ANCHOR_END: poll_ready

    /// Clears the readiness `seen` reported for `direction`, unless an event
    /// came since.
    pub fn clear(&self, seen: Snapshot, direction: Direction) {
        self.slot().readiness.clear(seen, direction.bits());
    }

    // ANCHOR: poll_io
    /// Runs `op`, a non-blocking system call, once the socket is ready in
    /// `direction`; on `EAGAIN` clears the readiness and waits again.
    /// `EINTR` is retried.
    pub fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            let seen = match self.poll_ready(cx, direction) {
                Poll::Ready(Ok(seen)) => seen,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            };
            match op() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.clear(seen, direction);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                done => return Poll::Ready(done),
            }
        }
    }
    // ANCHOR_END: poll_io

    // ANCHOR: poll_stream_io
    /// [`poll_io`](Registration::poll_io) for a byte stream, where an
    /// operation that moves fewer than `len` bytes proves the socket
    /// drained (a read) or full (a write): its readiness is cleared then
    /// too, so the next operation waits for the reactor instead of asking
    /// the kernel for an `EAGAIN`. Not for datagrams: a short datagram
    /// says nothing about the next one.
    pub fn poll_stream_io(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        len: usize,
        mut op: impl FnMut() -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        loop {
            let seen = match self.poll_ready(cx, direction) {
                Poll::Ready(Ok(seen)) => seen,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            };
            match op() {
                Ok(n) if 0 < n && n < len => {
                    // Only the "ready" bit: a peer's close or an error
                    // stays reported.
                    let bit = match direction {
                        Direction::Read => READABLE,
                        Direction::Write => WRITABLE,
                    };
                    self.slot().readiness.clear(seen, bit);
                    return Poll::Ready(Ok(n));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.clear(seen, direction);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                done => return Poll::Ready(done),
            }
        }
    }
    // ANCHOR_END: poll_stream_io
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.handle.release(self.registered.token);
    }
}

// ANCHOR: poll_evented
/// A socket registered with the reactor for as long as it lives. Dropping
/// it removes it from epoll, then frees its slot, then closes it, in that
/// order.
pub struct PollEvented<T: AsFd> {
    registration: Registration,
    io: T,
}

impl<T: AsFd> PollEvented<T> {
    /// Registers `io`, which must be in non-blocking mode.
    pub fn new(io: T) -> io::Result<PollEvented<T>> {
        let registration = Registration::new(io.as_fd())?;
        Ok(PollEvented { registration, io })
    }

    pub fn registration(&self) -> &Registration {
        &self.registration
    }

    pub fn get_ref(&self) -> &T {
        &self.io
    }
}

impl<T: AsFd> Drop for PollEvented<T> {
    fn drop(&mut self) {
        // Before the close (`io`'s drop, after this): the number still names
        // this socket. Fails only if the registration is already gone.
        let token = self.registration.token();
        let _ = self.registration.handle.deregister(self.io.as_fd(), token);
        // Then the fields drop: `registration` frees the slot, `io` closes.
    }
}
// ANCHOR_END: poll_evented

impl<T: AsFd> AsRawFd for PollEvented<T> {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.io.as_fd().as_raw_fd()
    }
}
