//! Deadlines of parked green threads, nearest first.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use crate::runtime::{WakeToken, current_token, park, with_timers};

// ANCHOR: timers
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
        self.deadlines
            .peek()
            .map(|Reverse((deadline, _))| *deadline)
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
// ANCHOR_END: timers

// ANCHOR: sleep
/// Parks the running green thread for at least `duration`; the other green
/// threads run meanwhile, and if none is ready the OS thread sleeps in
/// `epoll_wait` until the deadline.
pub fn sleep(duration: Duration) {
    let deadline = Instant::now() + duration;
    while Instant::now() < deadline {
        let token = current_token();
        with_timers(|timers| timers.add(deadline, token));
        park();
    }
}
// ANCHOR_END: sleep
