//! A place for one waker that a task registers and the reactor wakes, from
//! any threads, without a lock. Each registration has two: one for the
//! task that waits to read, one for the task that waits to write.
//!
//! Unlike `futures`' `AtomicWaker`, a wake leaves the waker where it is
//! (`wake_by_ref`). The same task nearly always waits again, and then
//! `Waker::will_wake` finds its waker already stored: no clone, no drop, no
//! reference-count traffic per wait.
//!
//! Who may touch the waker is decided by a small state word, changed only
//! by atomic read-modify-writes:
//!
//! - `IDLE`: nobody is using the waker.
//! - `REGISTERING`: a task is replacing it; the reactor keeps its hands off.
//! - `WAKING`: the reactor is calling it; a task that wants to register
//!   meanwhile wakes its own waker instead, so that no wake is lost.
//!
//! This file uses nothing of the crate but `crate::sync`, so that
//! `tests/loom.rs` can compile it against loom's atomics.

use std::task::Waker;

use crate::sync::Ordering::{AcqRel, Acquire, Release};
use crate::sync::{AtomicUsize, UnsafeCell};

const IDLE: usize = 0;
const REGISTERING: usize = 1;
const WAKING: usize = 2;

pub struct WakerCell {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the waker inside is only touched by whoever moved `state` out of
// `IDLE` (see the module's comment), one party at a time; `Waker` itself
// is `Send + Sync`.
unsafe impl Send for WakerCell {}
// SAFETY: as above.
unsafe impl Sync for WakerCell {}

impl WakerCell {
    pub fn new() -> WakerCell {
        WakerCell {
            state: AtomicUsize::new(IDLE),
            waker: UnsafeCell::new(None),
        }
    }

    // ANCHOR: register
    /// Stores `waker` for the next wake, unless the stored one already
    /// wakes the same task. Returns whether it had to clone.
    pub fn register(&self, waker: &Waker) -> bool {
        match self
            .state
            .compare_exchange(IDLE, REGISTERING, Acquire, Acquire)
        {
            Ok(_) => {
                // SAFETY: REGISTERING gives us the waker alone.
                let cloned = self.waker.with_mut(|slot| {
                    let slot = unsafe { &mut *slot };
                    match slot {
                        Some(stored) if stored.will_wake(waker) => false,
                        _ => {
                            *slot = Some(waker.clone());
                            true
                        }
                    }
                });
                if self
                    .state
                    .compare_exchange(REGISTERING, IDLE, AcqRel, Acquire)
                    .is_err()
                {
                    // A wake came while we held the waker (the state is
                    // REGISTERING | WAKING) and left it to us.
                    waker.wake_by_ref();
                    self.state.swap(IDLE, AcqRel);
                }
                cloned
            }
            Err(_) => {
                // A wake is running on the old waker (or, against the
                // rules, another task registers at the same moment):
                // make sure this task hears about it, and polls again.
                waker.wake_by_ref();
                false
            }
        }
    }
    // ANCHOR_END: register

    // ANCHOR: wake
    /// Wakes the stored waker, if any, and keeps it.
    pub fn wake(&self) {
        if self.state.fetch_or(WAKING, AcqRel) == IDLE {
            // SAFETY: WAKING, set while nobody held the waker, gives us the
            // waker until we clear it; registrations meanwhile back off.
            self.waker.with_mut(|slot| {
                if let Some(waker) = unsafe { &*slot } {
                    waker.wake_by_ref();
                }
            });
            // A plain store: while WAKING is set, nobody else changes the
            // state (registering and taking back off, another wake's OR
            // sets a bit that is set already).
            self.state.store(IDLE, Release);
        }
        // Otherwise a task is registering and will see WAKING when it is
        // done, or another wake is running: either way someone wakes.
    }
    // ANCHOR_END: wake

    /// Takes the waker out, for a registration that ends. If a wake is
    /// running on it right now (on another thread, or on this one, if a
    /// waker dropped its own socket), the waker stays where it is: the
    /// slot's next registration replaces it, or the table's drop drops it.
    /// Waiting here instead could wait for ever.
    pub fn take(&self) -> Option<Waker> {
        self.state
            .compare_exchange(IDLE, REGISTERING, Acquire, Acquire)
            .ok()?;
        // SAFETY: REGISTERING gives us the waker alone.
        let waker = self.waker.with_mut(|slot| unsafe { (*slot).take() });
        self.state.store(IDLE, Release);
        waker
    }
}

impl Default for WakerCell {
    fn default() -> WakerCell {
        WakerCell::new()
    }
}
