//! How a worker sleeps: in the reactor if no other worker is waiting
//! there, on a condition variable of its own otherwise; and how another
//! thread wakes it, whichever of the two it sleeps on.
//!
//! # One worker at a time in the reactor
//!
//! The reactor's `turn` needs `&mut`: its event buffer belongs to whoever
//! turns it, and so does the firing of chapter 13's timers after it. So
//! the workers share it behind a lock that nobody waits for: a worker with
//! nothing to do *tries* the lock; if it gets it, it sleeps in
//! `epoll_wait`, and events wake it; if another worker has it, it sleeps on
//! its own condition variable, and only a notification wakes it. tokio's
//! workers share their I/O and timer driver exactly so
//! (`scheduler/multi_thread/park.rs`).
//!
//! The alternatives, and why not:
//!
//! - **Every idle worker in `epoll_wait` on the one epoll instance.** The
//!   kernel hands each event to one of them (with edge-triggered
//!   registrations), but the reactor's buffer and turn are one; they would
//!   have to become per-thread, and readiness would be delivered by
//!   several threads at once for no gain: the wakes that follow an event
//!   cost more than the event.
//! - **A reactor thread of its own**, as async-io has when no `block_on`
//!   drives its reactor: every event then crosses from that thread to a
//!   worker (a wake, a futex, a context switch), where a worker that turns
//!   the reactor itself queues the woken tasks locally and runs them
//!   next, hot in its cache.
//! - **An epoll instance per worker** (sharded sockets): each socket's
//!   events always wake the same worker, which is good for caches and bad
//!   for balance, and a task that moves to another worker by stealing
//!   would wait for events on the first one's reactor.
//!
//! The price of the choice is the one tokio pays: while the worker that
//! turned the reactor runs the tasks it woke, nobody waits in
//! `epoll_wait`. Events then wait for the next worker to go idle, or for a
//! worker's periodic look (every `event_interval` tasks), which is what
//! that look is for; and a worker that comes back from the reactor with
//! more than one task wakes another worker to share them.
//!
//! # The state word
//!
//! A parker's state says where its worker sleeps, so that `unpark` knows
//! how to wake it: `EMPTY` (awake), `PARKED_CONDVAR`, `PARKED_DRIVER`, or
//! `NOTIFIED` (an unpark came while it was awake: the next park returns at
//! once). It is chapter 11's parker with a second way to sleep.
//!
//! This file uses nothing of the crate but `crate::sync` and the two small
//! traits below, so that `tests/loom.rs` can compile it against loom's
//! atomics, mutex and condition variable, with a pretend driver.

use std::time::Duration;

use crate::sync::Ordering::SeqCst;
use crate::sync::{Arc, AtomicUsize, Condvar, Mutex};

/// What a worker sleeps in when it has the reactor.
pub trait Driver {
    /// Waits for events (`None`: for as long as it takes; zero: just
    /// looks) and delivers them.
    fn park(&mut self, timeout: Option<Duration>);
}

/// Wakes whoever waits in the driver: the reactor's eventfd.
pub trait Unpark {
    fn unpark(&self);
}

const EMPTY: usize = 0;
const PARKED_CONDVAR: usize = 1;
const PARKED_DRIVER: usize = 2;
const NOTIFIED: usize = 3;

/// A worker's way to sleep. Only its worker parks on it.
pub struct Parker {
    inner: Arc<Inner>,
}

/// Wakes the parker's worker, from any thread.
#[derive(Clone)]
pub struct Unparker {
    inner: Arc<Inner>,
}

struct Inner {
    state: AtomicUsize,
    /// Held by the worker between deciding to sleep on the condition
    /// variable and sleeping, so that an unpark cannot signal in between.
    mutex: Mutex<()>,
    condvar: Condvar,
}

/// A parker and its unparker.
pub fn new() -> (Parker, Unparker) {
    let inner = Arc::new(Inner {
        state: AtomicUsize::new(EMPTY),
        mutex: Mutex::new(()),
        condvar: Condvar::new(),
    });
    (
        Parker {
            inner: Arc::clone(&inner),
        },
        Unparker { inner },
    )
}

impl Parker {
    // ANCHOR: park
    /// Sleeps until unparked: in `driver` if it is free (then events end
    /// the sleep too), on the condition variable otherwise. Returns
    /// whether it waited in the driver.
    pub fn park<D: Driver>(&self, driver: &Mutex<D>) -> bool {
        let inner = &*self.inner;
        // An unpark came while we were awake: consume it.
        if inner
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return false;
        }
        match driver.try_lock() {
            Ok(mut driver) => {
                inner.park_driver(&mut *driver);
                true
            }
            Err(std::sync::TryLockError::Poisoned(poisoned)) => {
                inner.park_driver(&mut *poisoned.into_inner());
                true
            }
            Err(std::sync::TryLockError::WouldBlock) => {
                inner.park_condvar();
                false
            }
        }
    }
    // ANCHOR_END: park

    /// Turns the driver without sleeping, if no other worker has it: a
    /// busy worker's periodic look at the reactor. Returns whether it did.
    pub fn poll_driver<D: Driver>(&self, driver: &Mutex<D>) -> bool {
        match driver.try_lock() {
            Ok(mut driver) => {
                driver.park(Some(Duration::ZERO));
                true
            }
            Err(_) => false,
        }
    }
}

impl Inner {
    /// Says where the worker is about to sleep (`PARKED_DRIVER` or
    /// `PARKED_CONDVAR`); false if an unpark came first, which this
    /// consumes, so the worker must not sleep.
    fn announce(&self, parked: usize) -> bool {
        match self.state.compare_exchange(EMPTY, parked, SeqCst, SeqCst) {
            Ok(_) => true,
            Err(NOTIFIED) => {
                // Notified since the first look. Swap, not store, to read
                // (and so synchronise with) the latest unpark's write.
                let before = self.state.swap(EMPTY, SeqCst);
                debug_assert_eq!(before, NOTIFIED);
                false
            }
            Err(other) => unreachable!("parker in state {other}"),
        }
    }

    fn park_driver<D: Driver>(&self, driver: &mut D) {
        if !self.announce(PARKED_DRIVER) {
            return;
        }
        driver.park(None);
        // Woken by an event or by an unpark (which left NOTIFIED): either
        // way the worker looks for work now.
        match self.state.swap(EMPTY, SeqCst) {
            NOTIFIED | PARKED_DRIVER => {}
            other => unreachable!("parker in state {other}"),
        }
    }

    fn park_condvar(&self) {
        let mut guard = self.mutex.lock().unwrap_or_else(|p| p.into_inner());
        // Announced under the mutex: an unpark that sees PARKED_CONDVAR
        // takes the mutex before it signals, so it cannot signal before
        // this thread waits.
        if !self.announce(PARKED_CONDVAR) {
            return;
        }
        loop {
            guard = self.condvar.wait(guard).unwrap_or_else(|p| p.into_inner());
            // A condition variable may wake for nothing: only NOTIFIED
            // ends the sleep.
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_ok()
            {
                return;
            }
        }
    }
}

impl Unparker {
    // ANCHOR: unpark
    /// Wakes the worker wherever it sleeps, or makes its next park return
    /// at once. `driver` wakes the reactor, for a worker sleeping there.
    pub fn unpark(&self, driver: &impl Unpark) {
        let inner = &*self.inner;
        // Swap, even when NOTIFIED already: the worker must see, through
        // this write, everything done before this call.
        match inner.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED_CONDVAR => {
                // The worker holds the mutex from its decision to sleep
                // until it sleeps: taking it here waits for the sleep, so
                // the signal cannot come too early.
                drop(inner.mutex.lock().unwrap_or_else(|p| p.into_inner()));
                inner.condvar.notify_one();
            }
            PARKED_DRIVER => driver.unpark(),
            other => unreachable!("parker in state {other}"),
        }
    }
    // ANCHOR_END: unpark
}
