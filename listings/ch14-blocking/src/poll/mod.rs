//! A poller: one interface over the kernel's readiness APIs, epoll on Linux
//! ([`epoll`]) and kqueue on macOS (`kqueue`, a module compiled only
//! there), in the shape of mio's selector and smol's `polling`.
//!
//! - [`Poller::add`], [`Poller::modify`] and [`Poller::delete`] change which
//!   descriptors it watches, for what ([`Interest`]), how ([`Mode`]) and
//!   under which name ([`Token`]);
//! - [`Poller::wait`] fills [`Events`] with what became ready, retrying when
//!   a signal interrupts it;
//! - [`Poller::notify`] wakes a `wait` from another thread.
//!
//! The poller knows nothing about connections: a token is a number it hands
//! back. What the number means is the caller's business (in chapter 6, an
//! index into the registration table, `slab.rs`).

#[cfg(target_os = "linux")]
pub mod epoll;
#[cfg(target_os = "linux")]
pub use epoll::{Events, Poller};

#[cfg(target_vendor = "apple")]
pub mod kqueue;
#[cfg(target_vendor = "apple")]
pub use kqueue::{Events, Poller};

use std::time::{Duration, Instant};

// ANCHOR: token
/// The name under which a registration's events come back. The kernel
/// stores it next to the registration and returns it unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Token(pub u64);

impl Token {
    /// Reserved for the poller's own wake-up descriptor; never handed back.
    pub const NOTIFY: Token = Token(u64::MAX);
}
// ANCHOR_END: token

// ANCHOR: interest
/// Which readiness a registration asks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interest {
    pub readable: bool,
    pub writable: bool,
}

impl Interest {
    /// Registered, but asking for nothing (hang-ups and errors still come).
    pub const NONE: Interest = Interest {
        readable: false,
        writable: false,
    };
    pub const READABLE: Interest = Interest {
        readable: true,
        writable: false,
    };
    pub const WRITABLE: Interest = Interest {
        readable: false,
        writable: true,
    };
    pub const BOTH: Interest = Interest {
        readable: true,
        writable: true,
    };
}

/// When a registration reports readiness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// At every `wait`, for as long as the descriptor is ready (epoll's
    /// default). Forgiving: unread data is reported again.
    Level,
    /// When the descriptor *becomes* ready (`EPOLLET`, `EV_CLEAR`). Cheaper,
    /// and the caller must read or write until `EAGAIN` before waiting.
    Edge,
    /// Once, then the registration is disarmed until [`Poller::modify`]
    /// arms it again (`EPOLLONESHOT`, `EV_ONESHOT`).
    Oneshot,
}
// ANCHOR_END: interest

// ANCHOR: event
/// One readiness report, boiled down from the kernel's flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub token: Token,
    /// A read will not block: data, the peer's end of stream, or an error.
    pub readable: bool,
    /// A write will not block: buffer space, or an error.
    pub writable: bool,
    /// The peer has closed its sending side: reads return end of stream
    /// once the data before it is read (`EPOLLRDHUP`, kqueue's `EV_EOF` on
    /// the read side).
    pub read_closed: bool,
    /// The connection is closed in both directions or has failed
    /// (`EPOLLHUP`, `EPOLLERR`; on kqueue `EV_EOF` on the write side or
    /// `EV_ERROR`). The next read or write says how.
    pub hangup: bool,
}
// ANCHOR_END: event

/// What is left of `timeout` at `deadline`, for a wait that restarts.
#[doc(hidden)]
pub fn remaining(deadline: Option<Instant>) -> Option<Duration> {
    deadline.map(|d| d.saturating_duration_since(Instant::now()))
}
