//! A cooperative budget: how many operations on I/O resources one poll of
//! a task may make before those resources start saying `Pending` even when
//! they are ready.
//!
//! # The problem
//!
//! An executor has no way to interrupt a task: it regains the thread only
//! when a poll returns. A task that reads a socket whose peer always has
//! more to send never meets `EAGAIN`, so its `read(..).await` never
//! returns `Pending`, and a loop around it never returns at all: every
//! other task on that thread waits, and so does the reactor, which is only
//! turned between polls. Chapters 11 and 12 listed this among their
//! limits; `tests/coop.rs` shows it happening (the test with the budget
//! switched off) and not happening (the same test with it on).
//!
//! # The cure, tokio's
//!
//! Each poll of a task starts with a budget of [`INITIAL`] units, kept in a
//! thread-local. Every leaf future that waits on a resource calls
//! [`poll_proceed`] first: with units left it takes one and goes on; with
//! none it wakes its own task and returns `Pending`, as if the resource
//! were not ready. The task's `poll` then unwinds to the executor, which
//! queues the task behind the others (its waker was called during its
//! poll, so the task is requeued at the back, chapter 11's rule for a task
//! that wakes itself), and the other tasks, the reactor and the timers get
//! their turn. A leaf that takes a unit and then finds the resource not
//! ready gives the unit back ([`RestoreOnPending`]): only progress costs.
//!
//! tokio's budget is 128 units per poll of a task, and its I/O resources,
//! timers, channels and `JoinHandle`s all take part. Here the one hook is
//! in the waiting room, [`Registration::poll_ready`], which every socket
//! operation goes through, so every accept, read, write and connect takes
//! part; and [`consume_budget`] lets CPU-bound loops take part too. A
//! future that never reaches a resource (a busy loop without `.await`)
//! is still never interrupted: a budget is cooperation, not preemption.
//!
//! Outside a runtime, or in code the runtime does not poll as a task (a
//! test's hand-made executor), the budget is unconstrained: every call
//! proceeds.
//!
//! [`Registration::poll_ready`]: crate::io::Registration::poll_ready

use std::cell::Cell;
use std::future::poll_fn;
use std::task::{Context, Poll};

/// Units of budget per poll of a task: tokio's figure.
pub const INITIAL: u8 = 128;

/// What is left of the current poll's budget: `None` is unconstrained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget(Option<u8>);

impl Budget {
    /// A full budget, for one poll of a task.
    pub const fn initial() -> Budget {
        Budget(Some(INITIAL))
    }

    /// No limit: what code outside a task's poll has.
    pub const fn unconstrained() -> Budget {
        Budget(None)
    }

    /// Units left (`None`: no limit).
    pub fn remaining(self) -> Option<u8> {
        self.0
    }
}

thread_local! {
    static BUDGET: Cell<Budget> = const { Cell::new(Budget::unconstrained()) };
    /// How many times a leaf future on this thread found the budget spent.
    static EXHAUSTED: Cell<u64> = const { Cell::new(0) };
}

/// Runs `f` (one poll of a task) with a full budget, and puts back the
/// budget that was there before, even if `f` panics.
pub fn budget<R>(f: impl FnOnce() -> R) -> R {
    with_budget(Budget::initial(), f)
}

/// Runs `f` with `budget` as the current budget.
pub fn with_budget<R>(budget: Budget, f: impl FnOnce() -> R) -> R {
    struct Reset(Budget);
    impl Drop for Reset {
        fn drop(&mut self) {
            // `try_with`: a thread-local being torn down has no budget.
            let _ = BUDGET.try_with(|cell| cell.set(self.0));
        }
    }
    let previous = BUDGET.with(|cell| cell.replace(budget));
    let _reset = Reset(previous);
    f()
}

/// The current budget.
pub fn current() -> Budget {
    BUDGET.with(Cell::get)
}

/// Whether the current poll may still make progress.
pub fn has_budget_remaining() -> bool {
    current().0 != Some(0)
}

/// How many times, on this thread, a leaf future found its task's budget
/// spent and made the task yield. Runtimes read it around each poll to
/// count the yields the budget forced.
pub fn exhausted() -> u64 {
    EXHAUSTED.with(Cell::get)
}

// ANCHOR: poll_proceed
/// Called by a leaf future before it touches its resource. `Ready` takes a
/// unit of the budget; the returned guard gives it back when dropped,
/// unless [`made_progress`](RestoreOnPending::made_progress) says the
/// resource did something. `Pending` means the budget is spent: the task
/// has been woken already, so it is polled again after the others.
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    BUDGET.with(|cell| {
        let before = cell.get();
        match before.0 {
            None => Poll::Ready(RestoreOnPending(Cell::new(before))),
            Some(0) => {
                EXHAUSTED.with(|n| n.set(n.get() + 1));
                // The task must be polled again, after the others.
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Some(n) => {
                cell.set(Budget(Some(n - 1)));
                Poll::Ready(RestoreOnPending(Cell::new(before)))
            }
        }
    })
}

/// A unit taken by [`poll_proceed`]: given back on drop, unless the
/// resource made progress.
pub struct RestoreOnPending(Cell<Budget>);

impl RestoreOnPending {
    /// The operation did something: the unit stays spent.
    pub fn made_progress(&self) {
        self.0.set(Budget::unconstrained());
    }
}

impl Drop for RestoreOnPending {
    fn drop(&mut self) {
        let before = self.0.get();
        if before.0.is_some() {
            BUDGET.with(|cell| cell.set(before));
        }
    }
}
// ANCHOR_END: poll_proceed

/// Takes one unit of the budget, and yields to the executor if there was
/// none left: a yield point for loops that do work without touching a
/// resource, like tokio's `task::consume_budget`.
pub async fn consume_budget() {
    let mut done = false;
    poll_fn(|cx| {
        if done {
            return Poll::Ready(());
        }
        let proceed = std::task::ready!(poll_proceed(cx));
        proceed.made_progress();
        done = true;
        Poll::Ready(())
    })
    .await
}
