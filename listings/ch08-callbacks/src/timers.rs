//! The timer queue: a binary heap of deadlines, earliest first, with
//! cancellation. It holds values (the loop stores callbacks) and knows
//! nothing of the loop that runs them.
//!
//! A timer's id is a slab token, slot and generation, so an id kept after
//! its timer fired or was cancelled is recognised as stale: cancelling it
//! again does nothing, and it can never cancel a newer timer that happens
//! to reuse the slot.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

use crate::poll::Token;
use crate::slab::Slab;

// ANCHOR: timers
/// Names one timer. Stale once the timer has fired or been cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimerId(Token);

/// Deadlines and what is due at each.
pub struct Timers<T> {
    /// Every timer set and not yet popped, earliest deadline on top; equal
    /// deadlines in the order they were set (the sequence number).
    heap: BinaryHeap<Reverse<(Instant, u64, Token)>>,
    /// The live timers' values. Cancelling removes the value at once and
    /// leaves the heap entry, which is skipped when it comes to the top.
    live: Slab<T>,
    /// How many timers have been set: the next one's sequence number.
    next_seq: u64,
}
// ANCHOR_END: timers

/// A point in the order timers were set in; see [`Timers::pop_expired`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark(u64);

// ANCHOR: insert_cancel
impl<T> Timers<T> {
    pub fn new() -> Timers<T> {
        Timers {
            heap: BinaryHeap::new(),
            live: Slab::new(),
            next_seq: 0,
        }
    }

    /// Sets a timer: `value` becomes due at `deadline`.
    pub fn insert(&mut self, deadline: Instant, value: T) -> TimerId {
        let token = self.live.insert(value);
        self.heap.push(Reverse((deadline, self.next_seq, token)));
        self.next_seq += 1;
        self.compact();
        TimerId(token)
    }

    /// Cancels a timer and hands its value back; `None` if it has already
    /// fired or been cancelled.
    pub fn cancel(&mut self, id: TimerId) -> Option<T> {
        self.live.remove(id.0)
    }
}
// ANCHOR_END: insert_cancel

// ANCHOR: due
impl<T> Timers<T> {
    /// The earliest deadline of a live timer: how long the loop may sleep.
    pub fn next_deadline(&mut self) -> Option<Instant> {
        self.skip_cancelled();
        self.heap.peek().map(|Reverse((deadline, _, _))| *deadline)
    }

    /// Where the sequence of timers set stands now. Timers set after this
    /// mark are not popped by [`pop_expired`](Timers::pop_expired) with it,
    /// so a callback that sets a zero-delay timer cannot keep one round of
    /// timers going forever.
    pub fn mark(&self) -> Mark {
        Mark(self.next_seq)
    }

    /// Takes out the earliest timer if its deadline is at or before `now`
    /// and it was set before `mark`.
    pub fn pop_expired(&mut self, now: Instant, mark: Mark) -> Option<T> {
        self.skip_cancelled();
        let &Reverse((deadline, seq, token)) = self.heap.peek()?;
        if deadline > now || seq >= mark.0 {
            return None;
        }
        self.heap.pop();
        self.live.remove(token)
    }

    /// Drops cancelled timers from the top of the heap.
    fn skip_cancelled(&mut self) {
        while let Some(&Reverse((_, _, token))) = self.heap.peek() {
            if self.live.get(token).is_some() {
                return;
            }
            self.heap.pop();
        }
    }
}
// ANCHOR_END: due

impl<T> Timers<T> {
    /// Live timers.
    pub fn len(&self) -> usize {
        self.live.len()
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    /// Heap entries, cancelled ones included (for tests).
    #[doc(hidden)]
    pub fn heap_len(&self) -> usize {
        self.heap.len()
    }

    /// Cancelled entries deep in the heap only leave when they reach the
    /// top. A server that re-arms an idle timer on every request cancels
    /// far more timers than fire, so once the heap holds more than twice
    /// the live timers it is rebuilt without the dead ones: amortised,
    /// a constant cost per insert.
    fn compact(&mut self) {
        if self.heap.len() > 2 * self.live.len() + 64 {
            let live = &self.live;
            self.heap
                .retain(|Reverse((_, _, token))| live.get(*token).is_some());
        }
    }
}

impl<T> Default for Timers<T> {
    fn default() -> Timers<T> {
        Timers::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn pops_in_deadline_order_and_ties_in_setting_order() {
        let t0 = Instant::now();
        let mut timers = Timers::new();
        for (name, delay) in [("c", 30), ("a", 10), ("b1", 20), ("b2", 20)] {
            timers.insert(t0 + ms(delay), name);
        }
        let mark = timers.mark();
        let mut order = Vec::new();
        while let Some(name) = timers.pop_expired(t0 + ms(100), mark) {
            order.push(name);
        }
        assert_eq!(order, ["a", "b1", "b2", "c"]);
        assert!(timers.is_empty());
    }

    #[test]
    fn nothing_pops_before_its_deadline() {
        let t0 = Instant::now();
        let mut timers = Timers::new();
        timers.insert(t0 + ms(10), ());
        let mark = timers.mark();
        assert_eq!(timers.pop_expired(t0 + ms(9), mark), None);
        assert_eq!(timers.pop_expired(t0 + ms(10), mark), Some(()));
    }

    #[test]
    fn cancelled_timers_never_pop_and_never_set_the_deadline() {
        let t0 = Instant::now();
        let mut timers = Timers::new();
        let early = timers.insert(t0 + ms(1), "early");
        timers.insert(t0 + ms(50), "late");
        assert_eq!(timers.cancel(early), Some("early"));
        assert_eq!(timers.cancel(early), None, "a stale id does nothing");
        // The nearest deadline is the live timer's, not the cancelled one's:
        // the loop does not wake up for nothing.
        assert_eq!(timers.next_deadline(), Some(t0 + ms(50)));
        let mark = timers.mark();
        assert_eq!(timers.pop_expired(t0 + ms(60), mark), Some("late"));
        assert_eq!(timers.next_deadline(), None);
    }

    #[test]
    fn a_stale_id_cannot_cancel_the_timer_that_reuses_its_slot() {
        let t0 = Instant::now();
        let mut timers = Timers::new();
        let first = timers.insert(t0, 1);
        assert_eq!(timers.pop_expired(t0, timers.mark()), Some(1));
        let second = timers.insert(t0, 2);
        assert_ne!(first, second);
        assert_eq!(timers.cancel(first), None);
        assert_eq!(timers.cancel(second), Some(2));
    }

    #[test]
    fn timers_set_after_the_mark_wait_for_the_next_round() {
        let t0 = Instant::now();
        let mut timers = Timers::new();
        timers.insert(t0, "old");
        let mark = timers.mark();
        timers.insert(t0, "new");
        assert_eq!(timers.pop_expired(t0, mark), Some("old"));
        assert_eq!(timers.pop_expired(t0, mark), None);
        assert_eq!(timers.pop_expired(t0, timers.mark()), Some("new"));
    }

    #[test]
    fn re_arming_does_not_grow_the_heap_without_bound() {
        let t0 = Instant::now();
        let mut timers = Timers::new();
        let mut id = timers.insert(t0 + ms(1000), 0);
        for i in 1..10_000 {
            timers.cancel(id);
            id = timers.insert(t0 + ms(1000 + i), i);
        }
        assert_eq!(timers.len(), 1);
        assert!(timers.heap_len() <= 2 + 64, "{}", timers.heap_len());
    }
}
