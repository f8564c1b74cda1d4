//! What the two timer structures of this chapter have in common: the key
//! that names an entry, and the four operations a runtime needs of them.
//! Both structures keep values (the runtime keeps wakers) under deadlines
//! counted in *ticks*, whole units of time since some origin that only
//! the caller knows; neither knows what a task or a clock is.

// ANCHOR: key
/// Names one entry: the index of its slot and the generation the slot had
/// when the entry was made. A key whose entry has fired or been removed is
/// stale: every operation recognises it and does nothing, even after a new
/// entry has taken the slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub index: u32,
    pub generation: u32,
}
// ANCHOR_END: key

// ANCHOR: trait
/// A set of deadlines, each with a value, that hands the values back in
/// deadline order once their deadline has passed.
pub trait TimerQueue<T> {
    /// Adds `value`, due at `tick`. A tick that has already passed is due at
    /// the next `poll`.
    fn insert(&mut self, tick: u64, value: T) -> Key;

    /// Takes an entry out before it fires; `None` if the key is stale.
    fn remove(&mut self, key: Key) -> Option<T>;

    /// The value of a live entry, to replace it (a new waker).
    fn get_mut(&mut self, key: Key) -> Option<&mut T>;

    /// The earliest tick at which `poll` may have something to do: the
    /// caller may sleep until then. `None` when the set is empty.
    fn next_expiration(&self) -> Option<u64>;

    /// Hands out one entry due at or before `now`, earliest tick first
    /// (entries of one tick in no promised order); `None` when no more is
    /// due. Time only moves forward: a `now` earlier than the last one
    /// counts as the last one.
    fn poll(&mut self, now: u64) -> Option<T>;

    /// Entries that have neither fired nor been removed.
    fn len(&self) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
// ANCHOR_END: trait
