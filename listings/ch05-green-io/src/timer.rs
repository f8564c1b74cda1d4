//! Deadlines of parked green threads, nearest first.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

use crate::scheduler::WakeToken;

#[derive(Default)]
pub struct Timers {
    deadlines: BinaryHeap<Reverse<(Instant, WakeToken)>>,
}

impl Timers {
    pub fn add(&mut self, deadline: Instant, token: WakeToken) {
        self.deadlines.push(Reverse((deadline, token)));
    }

    /// The nearest deadline: how long the poller may block at most.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.peek().map(|Reverse((deadline, _))| *deadline)
    }

    /// Removes every deadline at or before `now` and hands its token to `wake`.
    /// A token whose wait already ended (the socket became ready first) is
    /// harmless: waking it does nothing.
    pub fn expire(&mut self, now: Instant, mut wake: impl FnMut(WakeToken)) {
        while let Some(Reverse((deadline, token))) = self.deadlines.peek() {
            if *deadline > now {
                break;
            }
            wake(*token);
            self.deadlines.pop();
        }
    }
}
