//! A task's state: one atomic word that every party reads and changes
//! with one atomic instruction at a time. The executor polls, wakers wake
//! from any thread, the `JoinHandle` waits for the output or aborts, and
//! each of them owns references that keep the task's memory alive. All of
//! that is a handful of bits and a count, so every change of state is one
//! compare-and-swap, and no lock is ever taken on a task.
//!
//! This file uses nothing of the crate but `crate::sync`, so that
//! `tests/loom.rs` can compile it against loom's atomics.

use std::fmt;

use crate::sync::AtomicUsize;
use crate::sync::Ordering::{AcqRel, Acquire, Relaxed};

// ANCHOR: bits
/// The task is in a run queue, or on its way there: a queue entry (a
/// `Notified`) exists and owns one reference. A wake that finds this bit
/// set has nothing to do. The executor clears it when it takes the task
/// out of the queue to poll it.
pub const SCHEDULED: usize = 1 << 0;

/// The executor is inside the future's `poll`. A wake meanwhile sets
/// `SCHEDULED` but pushes nothing: when the poll returns `Pending`, the
/// executor sees `SCHEDULED` and puts the task back in the queue itself.
pub const RUNNING: usize = 1 << 1;

/// The future is gone and its output is stored: its value, its panic, or
/// "cancelled". Never cleared. A completed task is never queued again.
pub const COMPLETED: usize = 1 << 2;

/// No poll may start any more: the task was aborted through its
/// `JoinHandle`, or its runtime is shutting down. The executor drops the
/// future at its next turn (never another thread: the future is dropped
/// where it is polled).
pub const CLOSED: usize = 1 << 3;

/// The `JoinHandle` still exists, so someone may still want the output.
/// Without it, whoever completes the task drops the output at once.
pub const HANDLE: usize = 1 << 4;

/// The `JoinHandle` has stored a waker in the task, to be woken when the
/// task completes. While this bit is set, only the completing executor may
/// touch that waker; while it is clear, only the handle may.
pub const JOIN_WAKER: usize = 1 << 5;

/// One reference. The bits above the flags count the references: the
/// runtime's list of live tasks, the queue entry, the `JoinHandle` and
/// every `Waker` hold one each. The last one to go frees the task.
pub const REF_ONE: usize = 1 << 6;

/// A new task: queued, with a `JoinHandle`, and three references (the
/// runtime's list, the queue entry, the handle).
pub const INITIAL: usize = SCHEDULED | HANDLE | (3 * REF_ONE);
// ANCHOR_END: bits

const FLAGS: usize = REF_ONE - 1;

/// The state word.
pub struct State(AtomicUsize);

/// One reading of the state word.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Snapshot(pub usize);

impl Snapshot {
    pub fn is(self, flag: usize) -> bool {
        self.0 & flag != 0
    }

    pub fn refs(self) -> usize {
        self.0 / REF_ONE
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (SCHEDULED, "SCHEDULED"),
            (RUNNING, "RUNNING"),
            (COMPLETED, "COMPLETED"),
            (CLOSED, "CLOSED"),
            (HANDLE, "HANDLE"),
            (JOIN_WAKER, "JOIN_WAKER"),
        ];
        for (flag, name) in names {
            if self.is(flag) {
                write!(f, "{name} | ")?;
            }
        }
        write!(f, "refs {}", self.refs())
    }
}

/// What a wake asks of the waker's caller.
#[derive(Debug, PartialEq, Eq)]
pub enum Wake {
    /// Nothing: the task is queued, running, finished or closed.
    Nothing,
    /// Push the task into a run queue: the state now says `SCHEDULED`,
    /// and a reference for the queue entry has been taken.
    Submit,
}

/// What a wake by value (which gives up the waker's reference) asks.
#[derive(Debug, PartialEq, Eq)]
pub enum WakeByVal {
    /// Nothing; the waker's reference is already given back.
    Nothing,
    /// Push the task: the waker's reference now belongs to the queue entry.
    Submit,
    /// That was the last reference: free the task.
    Dealloc,
}

/// What the executor does with a task it took out of the run queue.
#[derive(Debug, PartialEq, Eq)]
pub enum Start {
    /// Poll the future: the state now says `RUNNING`.
    Poll,
    /// Do not poll: the task is closed. Drop the future and complete the
    /// task as cancelled (the state says `RUNNING`, which gives the
    /// executor the future).
    Cancel,
    /// Already completed (a shutdown ran while it was queued): just drop
    /// the queue entry.
    Skip,
}

/// What the executor does after a poll that returned `Pending`.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// Nothing: the task waits for a wake. The queue entry's reference
    /// was given back in the same atomic step.
    Idle,
    /// The task was woken during the poll: push it to the back of the run
    /// queue, with the queue entry the executor still holds.
    Notified,
    /// The task was closed during the poll: drop the future now and
    /// complete the task as cancelled.
    Cancel,
}

impl State {
    pub fn new() -> State {
        State(AtomicUsize::new(INITIAL))
    }

    pub fn load(&self) -> Snapshot {
        Snapshot(self.0.load(Acquire))
    }

    /// Applies `next` to the current state until a compare-and-swap
    /// succeeds; `next` returns its answer and the new state, or `None` to
    /// leave the state as it is.
    fn transition<R>(&self, next: impl Fn(usize) -> (R, Option<usize>)) -> R {
        let mut current = self.0.load(Acquire);
        loop {
            let (answer, new) = next(current);
            let Some(new) = new else { return answer };
            match self.0.compare_exchange_weak(current, new, AcqRel, Acquire) {
                Ok(_) => return answer,
                Err(actual) => current = actual,
            }
        }
    }

    // ANCHOR: wake
    /// A wake through a borrowed waker (`wake_by_ref`).
    pub fn wake_by_ref(&self) -> Wake {
        self.transition(|s| {
            if s & (SCHEDULED | COMPLETED | CLOSED) != 0 {
                (Wake::Nothing, None)
            } else if s & RUNNING != 0 {
                // The executor will see the bit when the poll ends.
                (Wake::Nothing, Some(s | SCHEDULED))
            } else {
                // Idle: queue it, with a new reference for the entry.
                (Wake::Submit, Some((s | SCHEDULED) + REF_ONE))
            }
        })
    }
    // ANCHOR_END: wake

    /// A wake that consumes the waker (`wake`): its reference either goes
    /// to the queue entry or is given back in the same step.
    pub fn wake_by_val(&self) -> WakeByVal {
        self.transition(|s| {
            if s & (SCHEDULED | COMPLETED | CLOSED) == 0 && s & RUNNING == 0 {
                return (WakeByVal::Submit, Some(s | SCHEDULED));
            }
            let s = if s & (SCHEDULED | COMPLETED | CLOSED) == 0 {
                s | SCHEDULED // running: the executor requeues it
            } else {
                s
            };
            let new = s - REF_ONE;
            if new & !FLAGS == 0 {
                (WakeByVal::Dealloc, Some(new))
            } else {
                (WakeByVal::Nothing, Some(new))
            }
        })
    }

    /// A new reference (a waker clone). Like `Arc::clone`, it can be
    /// `Relaxed`: it is made from a reference the caller already holds.
    pub fn ref_inc(&self) {
        let previous = self.0.fetch_add(REF_ONE, Relaxed);
        if previous > isize::MAX as usize {
            // A count about to wrap around would free a live task.
            std::process::abort();
        }
    }

    /// Gives back `n` references; true if they were the last ones, and the
    /// caller must free the task.
    pub fn ref_dec(&self, n: usize) -> bool {
        let previous = self.0.fetch_sub(n * REF_ONE, AcqRel);
        debug_assert!(previous / REF_ONE >= n, "{:?}", Snapshot(previous));
        previous / REF_ONE == n
    }

    // ANCHOR: poll
    /// The executor took the task out of the queue.
    pub fn start_poll(&self) -> Start {
        self.transition(|s| {
            debug_assert!(s & RUNNING == 0, "{:?}", Snapshot(s));
            if s & COMPLETED != 0 {
                return (Start::Skip, None);
            }
            let new = (s & !SCHEDULED) | RUNNING;
            if s & CLOSED != 0 {
                (Start::Cancel, Some(new))
            } else {
                (Start::Poll, Some(new))
            }
        })
    }

    /// The poll returned `Pending`.
    pub fn end_poll(&self) -> End {
        self.transition(|s| {
            debug_assert!(s & RUNNING != 0, "{:?}", Snapshot(s));
            if s & CLOSED != 0 {
                (End::Cancel, Some(s & !SCHEDULED))
            } else if s & SCHEDULED != 0 {
                (End::Notified, Some(s & !RUNNING))
            } else {
                // The runtime's list still holds a reference: not the last.
                (End::Idle, Some((s & !RUNNING) - REF_ONE))
            }
        })
    }
    // ANCHOR_END: poll

    /// The output is stored: the task is complete. Returns the state from
    /// before, whose `HANDLE` and `JOIN_WAKER` say who must hear of it.
    pub fn complete(&self) -> Snapshot {
        self.transition(|s| {
            debug_assert!(s & RUNNING != 0 && s & COMPLETED == 0);
            // A task woken during its last poll, or queued when a shutdown
            // closed it, is not scheduled any more. (A queue entry, if one
            // is left, still owns its reference until it is dropped.)
            let new = (s & !(RUNNING | SCHEDULED)) | COMPLETED;
            (Snapshot(s), Some(new))
        })
    }

    /// `JoinHandle::abort`, from any thread.
    pub fn abort(&self) -> Wake {
        self.transition(|s| {
            if s & (COMPLETED | CLOSED) != 0 {
                (Wake::Nothing, None)
            } else if s & (RUNNING | SCHEDULED) != 0 {
                // The executor will see CLOSED when it next handles it.
                (Wake::Nothing, Some(s | CLOSED))
            } else {
                // Idle: queue it, so that the executor drops the future.
                (Wake::Submit, Some((s | CLOSED | SCHEDULED) + REF_ONE))
            }
        })
    }

    /// The runtime is shutting down and takes the future of a task that is
    /// not running: true if the caller must now drop the future and
    /// complete the task, false if it had completed already.
    pub fn shut_down(&self) -> bool {
        self.transition(|s| {
            debug_assert!(s & RUNNING == 0, "{:?}", Snapshot(s));
            if s & COMPLETED != 0 {
                (false, None)
            } else {
                (true, Some(s | CLOSED | RUNNING))
            }
        })
    }

    /// The handle has stored its waker and hands it over to the executor.
    /// Fails if the task completed in the meantime.
    pub fn set_join_waker(&self) -> Result<(), Snapshot> {
        self.transition(|s| {
            debug_assert!(s & HANDLE != 0 && s & JOIN_WAKER == 0);
            if s & COMPLETED != 0 {
                (Err(Snapshot(s)), None)
            } else {
                (Ok(()), Some(s | JOIN_WAKER))
            }
        })
    }

    /// The handle takes its stored waker back, to replace it. Fails if the
    /// task completed in the meantime (the executor may be waking it).
    pub fn unset_join_waker(&self) -> Result<(), Snapshot> {
        self.transition(|s| {
            debug_assert!(s & HANDLE != 0 && s & JOIN_WAKER != 0);
            if s & COMPLETED != 0 {
                (Err(Snapshot(s)), None)
            } else {
                (Ok(()), Some(s & !JOIN_WAKER))
            }
        })
    }

    /// The handle is dropped (its reference is given back separately,
    /// after it has touched the task for the last time). Returns the state
    /// from before: if it was `COMPLETED`, the handle must drop the
    /// output; if not, and `JOIN_WAKER` was set, the stored waker is the
    /// handle's again, to drop.
    pub fn drop_handle(&self) -> Snapshot {
        self.transition(|s| {
            debug_assert!(s & HANDLE != 0);
            let new = if s & COMPLETED != 0 {
                s & !HANDLE
            } else {
                s & !(HANDLE | JOIN_WAKER)
            };
            (Snapshot(s), Some(new))
        })
    }
}

impl State {
    /// The handle goes away after it took the output: it touches nothing
    /// of the task any more, so clearing `HANDLE` and giving back its
    /// reference can be one atomic step. True if that was the last
    /// reference.
    pub fn drop_handle_after_output(&self) -> bool {
        let previous = self.0.fetch_sub(HANDLE + REF_ONE, AcqRel);
        debug_assert!(
            previous & (HANDLE | COMPLETED) == HANDLE | COMPLETED,
            "{:?}",
            Snapshot(previous)
        );
        previous / REF_ONE == 1
    }
}

impl Default for State {
    fn default() -> State {
        State::new()
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.load().fmt(f)
    }
}
