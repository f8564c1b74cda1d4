//! The reactor itself: the poller and the table, the turn that hands out
//! events, and the handle that registers sockets and wakes the reactor's
//! thread.

use std::cell::RefCell;
use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::readiness::{
    READ, READ_CLOSED, READABLE, WRITABLE, WRITE, WRITE_CLOSED,
};
use super::table::{Slot, Table};
use crate::poll::{Event, Events, Interest, Mode, Poller, Token};
use crate::trace::{self, Actor};

// ANCHOR: types
/// The part of the reactor only the thread that drives it touches: where
/// `epoll_wait` puts its events.
pub struct Reactor {
    shared: Arc<Shared>,
    events: Events,
}

/// The part every registration holds on to, from any thread.
pub struct Shared {
    poller: Poller,
    table: Table,
    /// How sockets are registered: `Edge` (once, for good) or `Oneshot`
    /// (armed before each wait).
    mode: Mode,
    /// The reactor is gone: new registrations are refused.
    shut_down: AtomicBool,
}

/// A handle on a reactor: registers sockets and wakes the reactor's
/// thread, from any thread.
#[derive(Clone)]
pub struct Handle {
    shared: Arc<Shared>,
}
// ANCHOR_END: types

/// What one turn found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Turn {
    /// Events the kernel reported (the eventfd's not counted).
    pub events: usize,
    /// Events handed to a registration; the rest had stale tokens.
    pub delivered: usize,
}

/// A socket's place in the reactor: its token and its slot. The slot stays
/// valid for as long as the handle keeps the table alive.
pub struct Registered {
    pub token: Token,
    pub slot: NonNull<Slot>,
}

/// A token is the slot's index (low 32 bits) and the registration's
/// generation (high 32 bits), as in chapter 6's slab.
pub fn token(index: u32, generation: u32) -> Token {
    Token(u64::from(generation) << 32 | u64::from(index))
}

pub fn parts(token: Token) -> (u32, u32) {
    (token.0 as u32, (token.0 >> 32) as u32)
}

/// Which way a task waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Read,
    Write,
}

impl Direction {
    /// The readiness bits that end a wait in this direction.
    pub fn bits(self) -> usize {
        match self {
            Direction::Read => READ,
            Direction::Write => WRITE,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Direction::Read => "readable",
            Direction::Write => "writable",
        }
    }
}

thread_local! {
    /// The reactor of the runtime running on this thread.
    static CURRENT: RefCell<Option<Handle>> = const { RefCell::new(None) };
}

/// Makes a reactor current on this thread until dropped.
pub struct Enter {
    previous: Option<Handle>,
}

impl Drop for Enter {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|current| *current.borrow_mut() = previous);
    }
}

/// The reactor of the runtime running on this thread, if any.
pub fn current() -> Option<Handle> {
    CURRENT.with(|current| current.borrow().clone())
}

impl Reactor {
    /// A reactor whose sockets are registered in `mode` (`Edge` or
    /// `Oneshot`), reporting up to `events` events per turn.
    pub fn new(mode: Mode, events: usize) -> io::Result<Reactor> {
        if mode == Mode::Level {
            let why = "the reactor tracks readiness itself: edge or one-shot";
            return Err(io::Error::new(io::ErrorKind::InvalidInput, why));
        }
        Ok(Reactor {
            shared: Arc::new(Shared {
                poller: Poller::new()?,
                table: Table::new(),
                mode,
                shut_down: AtomicBool::new(false),
            }),
            events: Events::with_capacity(events),
        })
    }

    pub fn handle(&self) -> Handle {
        Handle {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Makes this the reactor that sockets register with on this thread.
    pub fn enter(&self) -> Enter {
        let handle = Some(self.handle());
        let previous = CURRENT.with(|current| current.replace(handle));
        Enter { previous }
    }

    /// How many sockets are registered.
    pub fn registrations(&self) -> usize {
        self.shared.table.len()
    }

    // ANCHOR: turn
    /// Waits until a registered socket has news, a [`Handle::notify`]
    /// arrives, or `timeout` passes (`None`: no limit; zero: just look),
    /// then hands each event to its registration: readiness, and a wake
    /// for the task waiting in that direction.
    pub fn turn(&mut self, timeout: Option<Duration>) -> io::Result<Turn> {
        trace::record(|| match timeout {
            None => "R->>K: epoll_wait, no timeout".into(),
            Some(t) if t.is_zero() => "R->>K: epoll_wait, timeout 0".into(),
            Some(t) => format!("R->>K: epoll_wait, timeout {t:?}"),
        });
        // `wait` restarts after EINTR by itself, with the time left.
        let events = self.shared.poller.wait(&mut self.events, timeout)?;
        if self.events.notified() {
            trace::record(|| "K-->>R: the eventfd: a wake-up".into());
        }
        let previous = trace::set_actor(Some(Actor::Reactor));
        let mut delivered = 0;
        for event in self.events.iter() {
            delivered += usize::from(self.shared.deliver(event));
        }
        trace::set_actor(previous);
        Ok(Turn { events, delivered })
    }
    // ANCHOR_END: turn
}

impl Shared {
    // ANCHOR: deliver
    /// One event: the readiness it reports goes into the slot, unless the
    /// token is stale; then the tasks waiting for it are woken.
    fn deliver(&self, event: Event) -> bool {
        let (index, generation) = parts(event.token);
        let Some(slot) = self.table.get(index) else {
            return false;
        };
        let mut bits = 0;
        if event.readable {
            bits |= READABLE;
        }
        if event.writable {
            bits |= WRITABLE;
        }
        if event.read_closed {
            bits |= READ_CLOSED;
        }
        if event.hangup {
            bits |= READ_CLOSED | WRITE_CLOSED;
        }
        let Some(news) = slot.readiness.set(generation, bits) else {
            trace::record(|| format!("K-->>R: {index}/{generation}: stale"));
            return false;
        };
        trace::record(|| {
            format!("K-->>R: {index}/{generation}: {}", names(bits))
        });
        if self.mode == Mode::Oneshot {
            self.rearm_rest(slot, event.token, bits);
        }
        // Wake a direction only if the event brought it news. A task waits
        // only after it saw the direction's bits clear, so if they were
        // set already, whoever waited was woken when they were set. epoll
        // reports a socket's whole state, "writable" with every "readable":
        // without this rule each request's event also ran the writer's
        // empty cell (two atomic read-modify-writes for nothing; 15 of
        // about 1,570 instructions per hello-world request, callgrind).
        if news & READ != 0 {
            slot.reader.wake();
        }
        if news & WRITE != 0 {
            slot.writer.wake();
        }
        true
    }
    // ANCHOR_END: deliver

    /// One-shot mode: the event disarmed the registration. A direction it
    /// did not report may still have a task waiting: arm it again for that.
    fn rearm_rest(&self, slot: &Slot, token: Token, bits: usize) {
        let mut done = 0;
        if bits & READ != 0 {
            done |= READ;
        }
        if bits & WRITE != 0 {
            done |= WRITE;
        }
        let rest = slot.armed.fetch_and(!done, Ordering::AcqRel) & !done;
        if rest != 0 {
            let fd = slot.fd.load(Ordering::Relaxed);
            // A failure leaves that task waiting for a hang-up; the socket
            // is then broken anyway, and its next operation says so.
            let _ = self.arm(fd, token, rest);
        }
    }

    fn arm(&self, fd: RawFd, token: Token, wanted: usize) -> io::Result<()> {
        let interest = Interest {
            readable: wanted & READ != 0,
            writable: wanted & WRITE != 0,
        };
        // SAFETY: `fd` is the descriptor of a registration whose generation
        // was just checked (in `deliver`) or that its owner is using (in
        // `Handle::arm`), and its owner deregisters it before closing it.
        // One-shot mode is for one thread, where nothing closes a socket
        // between the check and this call; the number stays open for the
        // call's length.
        let fd = unsafe { BorrowedFd::borrow_raw(fd) };
        self.poller.modify(fd, token, interest, Mode::Oneshot)
    }
}

/// Readiness bits as words, for the trace.
fn names(bits: usize) -> String {
    let names = [
        (READABLE, "readable"),
        (WRITABLE, "writable"),
        (READ_CLOSED, "read closed"),
        (WRITE_CLOSED, "write closed"),
    ];
    let found: Vec<&str> = names
        .iter()
        .filter(|(bit, _)| bits & bit != 0)
        .map(|(_, name)| *name)
        .collect();
    found.join(", ")
}

impl Handle {
    // ANCHOR: register
    /// Registers `fd`, for both directions at once, and returns its token
    /// and slot. Edge-triggered registrations are made once, for good;
    /// one-shot ones start disarmed.
    pub fn register(&self, fd: BorrowedFd<'_>) -> io::Result<Registered> {
        let shared = &self.shared;
        if shared.shut_down.load(Ordering::Acquire) {
            return Err(gone());
        }
        let Some((index, slot)) = shared.table.insert() else {
            return Err(io::Error::from_raw_os_error(libc::ENOSPC));
        };
        let token = token(index, slot.readiness.load().generation);
        let interest = match shared.mode {
            Mode::Oneshot => Interest::NONE,
            _ => Interest::BOTH,
        };
        slot.fd.store(fd_number(fd), Ordering::Relaxed);
        trace::record(|| {
            let mode = match shared.mode {
                Mode::Oneshot => "EPOLLONESHOT, disarmed",
                _ => "EPOLLIN EPOLLOUT EPOLLRDHUP EPOLLET",
            };
            format!(
                "{}->>R: register: token {index}/{}\nR->>K: epoll_ctl ADD, {mode}",
                trace::actor(),
                token.0 >> 32
            )
        });
        if let Err(e) = shared.poller.add(fd, token, interest, shared.mode) {
            // Refused (ENOSPC past max_user_watches, ENOMEM): the slot goes
            // back, and only this socket is affected.
            shared.table.remove(index);
            return Err(e);
        }
        Ok(Registered {
            token,
            slot: NonNull::from(slot),
        })
    }
    // ANCHOR_END: register

    // ANCHOR: deregister
    /// Stops watching `fd`. Its owner calls this before closing it: after
    /// the close, the number may name another socket, and the kernel keeps
    /// the registration for as long as any copy of the descriptor lives.
    pub fn deregister(
        &self,
        fd: BorrowedFd<'_>,
        token: Token,
    ) -> io::Result<()> {
        let (index, generation) = parts(token);
        trace::record(|| {
            format!(
                "{}->>R: deregister {index}/{generation}\nR->>K: epoll_ctl DEL",
                trace::actor()
            )
        });
        self.shared.poller.delete(fd)
    }

    /// Gives the registration's slot back: its token is stale from now on.
    pub fn release(&self, token: Token) {
        self.shared.table.remove(parts(token).0);
    }
    // ANCHOR_END: deregister

    /// One-shot mode: arms the registration for `direction` too, along
    /// with any direction a task already waits for.
    pub fn arm(
        &self,
        registered: &Registered,
        direction: Direction,
    ) -> io::Result<()> {
        // SAFETY: the slot lives as long as the table, which we keep alive.
        let slot = unsafe { registered.slot.as_ref() };
        let wanted = slot.armed.fetch_or(direction.bits(), Ordering::AcqRel)
            | direction.bits();
        let fd = slot.fd.load(Ordering::Relaxed);
        self.shared.arm(fd, registered.token, wanted)
    }

    /// Is this reactor's registration one-shot?
    pub fn is_oneshot(&self) -> bool {
        self.shared.mode == Mode::Oneshot
    }

    // ANCHOR: notify
    /// Wakes the reactor's thread if it waits in `turn`, or makes its next
    /// `turn` return at once. From any thread; a burst of calls costs one
    /// `write` to the eventfd (chapter 6's poller).
    pub fn notify(&self) {
        // Fails only if the eventfd is gone, which it cannot be while we
        // hold the poller; nothing to do about it here in any case.
        let _ = self.shared.poller.notify();
    }
    // ANCHOR_END: notify

    /// Makes this the reactor that sockets register with on this thread,
    /// until the returned guard is dropped. (Chapter 15: threads that
    /// share a reactor without owning it, a multi-threaded runtime's
    /// workers and `block_on`'s caller, enter it through a handle.)
    pub fn enter(&self) -> Enter {
        let handle = Some(self.clone());
        let previous = CURRENT.with(|current| current.replace(handle));
        Enter { previous }
    }

    /// How many sockets are registered (chapter 15: asked by runtimes
    /// whose reactor another thread may be turning).
    pub fn registrations(&self) -> usize {
        self.shared.table.len()
    }
}

// ANCHOR: shutdown
impl Drop for Reactor {
    /// Sockets may outlive their runtime (returned by its last task, or
    /// kept in a static). Nobody will report readiness for them again, so
    /// every slot is marked shut down and its tasks are woken: their waits
    /// end with an error instead of never.
    fn drop(&mut self) {
        self.shared.shut_down.store(true, Ordering::Release);
        self.shared.table.for_each(|slot| {
            slot.readiness.shut_down();
            slot.reader.wake();
            slot.writer.wake();
        });
    }
}
// ANCHOR_END: shutdown

/// The error of a wait whose reactor is gone.
pub fn gone() -> io::Error {
    io::Error::other("the reactor is gone: its runtime has shut down")
}

fn fd_number(fd: BorrowedFd<'_>) -> RawFd {
    use std::os::fd::AsRawFd;
    fd.as_raw_fd()
}
