//! Which workers sleep, which look for work, and whom to wake: the
//! bookkeeping that lets a runtime wake one worker for one new task
//! instead of all of them.
//!
//! # The thundering herd, and the searching count
//!
//! A task is queued and several workers sleep. Waking all of them costs a
//! futex wake each and sends every one of them through the other queues,
//! where all but one find nothing and go back to sleep: that is the
//! *thundering herd*. Waking one is not enough either if the work keeps
//! coming: the one must pass the baton on.
//!
//! tokio's answer, kept here, is a count of *searching* workers: awake,
//! out of work of their own, and looking through the other queues. A
//! worker that queues a task wakes a sleeper only if nobody is searching
//! ([`Idle::worker_to_notify`]): a searcher will find the task, or some
//! other task, and when it finds one it stops searching; if it was the
//! last searcher, it wakes the next sleeper
//! ([`Idle::transition_worker_from_searching`] returns `true`). Wakes thus
//! spread one at a time, each one proven useful by the work the last woken
//! worker found, and at most half of the workers search at once
//! ([`Idle::transition_worker_to_searching`]), so that a burst of stealing
//! does not cost more than the work it moves.
//!
//! The last searcher to go to sleep looks at every queue once more after
//! it has stopped counting as a searcher (the worker does that, when
//! [`Idle::transition_worker_to_parked`] returns `true`): a task queued
//! between its last look and its sleep saw a searcher and woke nobody.
//!
//! The counts live in one atomic word, so that "is anyone searching, and is
//! anyone asleep" is one read. That read, and every change of the word,
//! is `SeqCst`: the notifier's "push the task, then read the count" and
//! the searcher's "decrement the count, then look at the queues" must not
//! both read the old values (each would miss the other's write, and the
//! task would sit with every worker asleep). `Acquire` and `Release` order
//! a write before a read of the *same* location; here each side writes one
//! location and reads another, the pattern (Dekker's) that needs a single
//! total order.
//!
//! This file uses nothing of the crate but `crate::sync`, so that
//! `tests/loom.rs` can compile it against loom's atomics and mutex.

use crate::sync::Ordering::SeqCst;
use crate::sync::{AtomicUsize, Mutex, MutexGuard};

/// Searching workers in the low bits, unparked (awake) workers above.
const UNPARK_SHIFT: usize = 16;
const SEARCH_MASK: usize = (1 << UNPARK_SHIFT) - 1;

pub struct Idle {
    /// `searching | unparked << UNPARK_SHIFT`.
    state: AtomicUsize,
    /// The workers asleep, by index; taken from the back.
    sleepers: Mutex<Vec<usize>>,
    workers: usize,
}

/// One reading of the state word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    pub searching: usize,
    pub unparked: usize,
}

fn counts(word: usize) -> Counts {
    Counts {
        searching: word & SEARCH_MASK,
        unparked: word >> UNPARK_SHIFT,
    }
}

impl Idle {
    /// `workers` workers, all awake, none searching.
    pub fn new(workers: usize) -> Idle {
        assert!(workers < SEARCH_MASK, "too many workers");
        Idle {
            state: AtomicUsize::new(workers << UNPARK_SHIFT),
            sleepers: Mutex::new(Vec::with_capacity(workers)),
            workers,
        }
    }

    fn sleepers(&self) -> MutexGuard<'_, Vec<usize>> {
        // A list of indices is whole between any two statements.
        self.sleepers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn counts(&self) -> Counts {
        counts(self.state.load(SeqCst))
    }

    // ANCHOR: notify
    /// A task was queued where any worker can take it: the worker to wake,
    /// if one should be. `None` when a worker is searching already (it
    /// will find work, and pass the wake on) or none sleeps. The worker
    /// returned is awake and searching from now on.
    pub fn worker_to_notify(&self) -> Option<usize> {
        if !self.should_wake() {
            return None;
        }
        let mut sleepers = self.sleepers();
        // Again under the lock: another notifier may have woken the last
        // sleeper, or made a searcher, since the first look.
        if !self.should_wake() {
            return None;
        }
        let worker = sleepers.pop()?;
        // One more awake, and it starts out searching.
        self.state.fetch_add(1 | (1 << UNPARK_SHIFT), SeqCst);
        Some(worker)
    }

    fn should_wake(&self) -> bool {
        // A read-modify-write that changes nothing: it takes its place in
        // the total order of the word's changes, where a load might read a
        // value from before a decrement that precedes it in that order.
        let now = counts(self.state.fetch_add(0, SeqCst));
        now.searching == 0 && now.unparked < self.workers
    }
    // ANCHOR_END: notify

    // ANCHOR: searching
    /// A worker out of work wants to search the other queues. Refused (it
    /// should park instead) while half of the workers search already.
    pub fn transition_worker_to_searching(&self) -> bool {
        let now = self.counts();
        if 2 * now.searching >= self.workers {
            return false;
        }
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// A searching worker found work. Returns `true` if it was the last
    /// searcher: it must then wake another worker, so that someone keeps
    /// looking.
    pub fn transition_worker_from_searching(&self) -> bool {
        let before = counts(self.state.fetch_sub(1, SeqCst));
        debug_assert!(before.searching > 0);
        before.searching == 1
    }
    // ANCHOR_END: searching

    // ANCHOR: park
    /// Worker `worker` goes to sleep (it was searching if `searching`).
    /// Returns `true` if it was the last searcher: it must look at every
    /// queue once more before it sleeps.
    pub fn transition_worker_to_parked(
        &self,
        worker: usize,
        searching: bool,
    ) -> bool {
        let mut sleepers = self.sleepers();
        let decrement = usize::from(searching) | (1 << UNPARK_SHIFT);
        let before = counts(self.state.fetch_sub(decrement, SeqCst));
        sleepers.push(worker);
        searching && before.searching == 1
    }

    /// Worker `worker` woke up with work of its own (events from the
    /// reactor, say) without being notified: takes it off the sleepers.
    /// Returns whether it was still there.
    pub fn unpark_worker_by_id(&self, worker: usize) -> bool {
        let mut sleepers = self.sleepers();
        let Some(at) = sleepers.iter().position(|&w| w == worker) else {
            return false;
        };
        sleepers.swap_remove(at);
        self.state.fetch_add(1 << UNPARK_SHIFT, SeqCst);
        true
    }

    /// Is worker `worker` asleep, as far as notifiers know? (One that woke
    /// up spuriously is, and goes back to sleep.)
    pub fn is_parked(&self, worker: usize) -> bool {
        self.sleepers().contains(&worker)
    }
    // ANCHOR_END: park
}
