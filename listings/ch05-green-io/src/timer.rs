//! Deadlines of parked green threads, nearest first.

use std::collections::BTreeSet;
use std::time::Instant;

use crate::token::WakeToken;

// ANCHOR: timers
/// Every pending deadline with the token it wakes, in order. A set sorted by
/// deadline, rather than a binary heap, because a wait that ends early (its
/// socket became ready first) must take its deadline out: a heap can only
/// remove its smallest entry, so a cancelled deadline would stay until it
/// came due, wake the scheduler for nothing, and pile up meanwhile.
#[derive(Default)]
pub struct Timers {
    /// The token makes each entry unique: one wait has one deadline.
    deadlines: BTreeSet<(Instant, WakeToken)>,
}

impl Timers {
    pub fn add(&mut self, deadline: Instant, token: WakeToken) {
        self.deadlines.insert((deadline, token));
    }

    /// Withdraws a deadline whose wait ended otherwise; does nothing if it
    /// has expired already.
    pub fn cancel(&mut self, deadline: Instant, token: WakeToken) {
        self.deadlines.remove(&(deadline, token));
    }

    /// The nearest deadline: how long the poller may block at most.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.first().map(|&(deadline, _)| deadline)
    }

    /// Removes every deadline at or before `now` and hands its token to
    /// `wake`, nearest first.
    pub fn expire(&mut self, now: Instant, mut wake: impl FnMut(WakeToken)) {
        while let Some(&(deadline, token)) = self.deadlines.first() {
            if deadline > now {
                break;
            }
            self.deadlines.pop_first();
            wake(token);
        }
    }

    /// How many deadlines are pending.
    pub fn len(&self) -> usize {
        self.deadlines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.deadlines.is_empty()
    }
}
// ANCHOR_END: timers
