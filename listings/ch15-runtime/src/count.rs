//! Counters of the system calls the runtime makes, one per kind, bumped by
//! the wrapper function that makes each call: the poller's (`epoll_wait`,
//! `epoll_ctl`, the eventfd's `write`) and the sockets' (`accept4`, `read`,
//! `write`, `connect`).
//!
//! The counters are per thread, plain `Cell`s: a count costs no atomic
//! instruction and no cache line shared between cores, so the runtime can
//! keep them on in production. A measurement reads them on the thread whose
//! calls it wants, with [`snapshot`], and subtracts two snapshots.

use std::cell::Cell;
use std::fmt;
use std::ops::Sub;

// ANCHOR: syscall
/// The system calls a server on this runtime makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syscall {
    EpollWait,
    EpollCtl,
    /// The eventfd write of a cross-thread wake-up.
    Notify,
    Accept,
    Read,
    Write,
    Connect,
}

impl Syscall {
    pub const ALL: [Syscall; 7] = [
        Syscall::EpollWait,
        Syscall::EpollCtl,
        Syscall::Notify,
        Syscall::Accept,
        Syscall::Read,
        Syscall::Write,
        Syscall::Connect,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Syscall::EpollWait => "epoll_wait",
            Syscall::EpollCtl => "epoll_ctl",
            Syscall::Notify => "eventfd write",
            Syscall::Accept => "accept",
            Syscall::Read => "read",
            Syscall::Write => "write",
            Syscall::Connect => "connect",
        }
    }
}

thread_local! {
    static COUNTS: [Cell<u64>; 7] = const { [const { Cell::new(0) }; 7] };
}

/// Counts one call on this thread; the wrappers call it next to the call.
pub fn add(call: Syscall) {
    COUNTS.with(|counts| {
        let count = &counts[call as usize];
        count.set(count.get() + 1);
    });
}
// ANCHOR_END: syscall

/// This thread's counts at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts([u64; 7]);

/// Reads this thread's counters.
pub fn snapshot() -> Counts {
    COUNTS.with(|counts| Counts(std::array::from_fn(|i| counts[i].get())))
}

impl Counts {
    pub fn get(&self, call: Syscall) -> u64 {
        self.0[call as usize]
    }

    /// All calls counted.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
}

impl Sub for Counts {
    type Output = Counts;

    fn sub(self, earlier: Counts) -> Counts {
        Counts(std::array::from_fn(|i| self.0[i] - earlier.0[i]))
    }
}

/// The counts that are not zero, as `read 3, write 2`.
impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for call in Syscall::ALL {
            let n = self.get(call);
            if n > 0 {
                let comma = if first { "" } else { ", " };
                write!(f, "{comma}{} {n}", call.name())?;
                first = false;
            }
        }
        if first {
            write!(f, "none")?;
        }
        Ok(())
    }
}
