//! Which ready green thread runs next.

use std::collections::VecDeque;

/// Names one green thread of a runtime: its index in the scheduler's
/// table, reused once the thread has finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ThreadId(pub usize);

// ANCHOR: policy
/// A scheduling policy: the scheduler hands it every thread that becomes
/// ready and asks it which one to run next.
pub trait Policy {
    /// `thread` is ready to run; `priority` is what it was spawned with.
    fn push(&mut self, thread: ThreadId, priority: u8);
    /// The thread to run next, or `None` when no thread is ready.
    fn pop(&mut self) -> Option<ThreadId>;
}

/// First come, first served: each thread runs until it yields, then goes to
/// the back of the line. Priorities are ignored.
#[derive(Default)]
pub struct RoundRobin {
    ready: VecDeque<ThreadId>,
}

impl Policy for RoundRobin {
    fn push(&mut self, thread: ThreadId, _priority: u8) {
        self.ready.push_back(thread);
    }

    fn pop(&mut self) -> Option<ThreadId> {
        self.ready.pop_front()
    }
}
// ANCHOR_END: policy
