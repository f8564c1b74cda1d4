//! Counters of system calls, one per kind, bumped by the wrapper functions
//! that make them: chapter 6's poller and connection (`epoll_wait`,
//! `epoll_ctl`, `recv`, `send`) and this chapter's ring (`io_uring_*`).
//!
//! A counter is one relaxed atomic add next to the call it counts: cheap
//! beside the system call itself, and exact. The counts are global to the
//! process, so a measurement runs one server at a time and reads the
//! difference of two [`snapshot`]s.

use std::ops::Sub;
use std::sync::atomic::{AtomicU64, Ordering};

// ANCHOR: syscall
/// The system calls the servers make per message, and the ring's others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syscall {
    EpollWait,
    EpollCtl,
    Recv,
    Send,
    UringSetup,
    UringEnter,
    UringRegister,
}

impl Syscall {
    pub const ALL: [Syscall; 7] = [
        Syscall::EpollWait,
        Syscall::EpollCtl,
        Syscall::Recv,
        Syscall::Send,
        Syscall::UringSetup,
        Syscall::UringEnter,
        Syscall::UringRegister,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Syscall::EpollWait => "epoll_wait",
            Syscall::EpollCtl => "epoll_ctl",
            Syscall::Recv => "recv",
            Syscall::Send => "send",
            Syscall::UringSetup => "io_uring_setup",
            Syscall::UringEnter => "io_uring_enter",
            Syscall::UringRegister => "io_uring_register",
        }
    }
}

static COUNTS: [AtomicU64; 7] = [const { AtomicU64::new(0) }; 7];

/// Counts one call; the wrappers call it right before the system call.
pub fn add(call: Syscall) {
    COUNTS[call as usize].fetch_add(1, Ordering::Relaxed);
}
// ANCHOR_END: syscall

/// The counts at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts([u64; 7]);

/// Reads every counter.
pub fn snapshot() -> Counts {
    Counts(std::array::from_fn(|i| COUNTS[i].load(Ordering::Relaxed)))
}

impl Counts {
    pub fn get(&self, call: Syscall) -> u64 {
        self.0[call as usize]
    }

    /// All calls counted.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// The kinds with a count above zero, with their counts.
    pub fn nonzero(&self) -> impl Iterator<Item = (Syscall, u64)> + '_ {
        Syscall::ALL
            .into_iter()
            .map(|call| (call, self.get(call)))
            .filter(|&(_, n)| n > 0)
    }
}

impl Sub for Counts {
    type Output = Counts;

    fn sub(self, earlier: Counts) -> Counts {
        Counts(std::array::from_fn(|i| self.0[i] - earlier.0[i]))
    }
}
