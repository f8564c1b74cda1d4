//! Exercise 1: a scheduling policy with priorities.

use crate::policy::{Policy, ThreadId};
use std::collections::{BTreeMap, VecDeque};

// ANCHOR: priorities
/// Always runs a ready thread of the highest priority; threads of equal
/// priority take turns. A busy high-priority thread starves lower ones:
/// that is what strict priorities mean.
#[derive(Default)]
pub struct Priorities {
    /// One round-robin line per priority level.
    levels: BTreeMap<u8, VecDeque<ThreadId>>,
}

impl Policy for Priorities {
    fn push(&mut self, thread: ThreadId, priority: u8) {
        self.levels.entry(priority).or_default().push_back(thread);
    }

    fn pop(&mut self) -> Option<ThreadId> {
        let mut highest = self.levels.last_entry()?;
        let thread = highest.get_mut().pop_front();
        if highest.get().is_empty() {
            highest.remove();
        }
        thread
    }
}
// ANCHOR_END: priorities
