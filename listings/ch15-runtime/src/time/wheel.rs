//! A hierarchical timing wheel (Varghese and Lauck's scheme 7, in the shape
//! tokio and the Linux kernel use): six levels of 64 slots, each slot a
//! list of entries. A slot of level 0 is one tick; a slot of level `L` is
//! 64^L ticks, a whole turn of the level below it. An entry goes into the
//! lowest level whose span reaches its deadline, and moves down a level
//! each time its slot comes round, until it falls due.
//!
//! Inserting and removing are constant time: a list push, a list unlink.
//! Finding the next slot with entries is a bit scan per level. Entries
//! live in a slab (`nodes`), linked by index, so the wheel allocates only
//! when the slab grows, and a removed entry leaves nothing behind.

use super::queue::{Key, TimerQueue};

// ANCHOR: consts
/// Each level resolves 6 bits of a tick: 64 slots.
const SLOT_BITS: u32 = 6;
const SLOTS: usize = 1 << SLOT_BITS;
/// With six levels, the wheel places any deadline up to 64^6 ticks ahead
/// (at one tick per millisecond, about 2.2 years). Later ones wait in the
/// overflow list until the wheel comes round to them.
pub const LEVELS: usize = 6;
/// The lists after the 384 slots: entries that are due, and entries
/// beyond the top level.
const DUE: usize = LEVELS * SLOTS;
const OVERFLOW: usize = DUE + 1;
const LISTS: usize = OVERFLOW + 1;
// ANCHOR_END: consts

/// "No node", in the links between nodes.
const NIL: u32 = u32::MAX;
/// The `list` of a node that holds no entry.
const FREE: u16 = u16::MAX;

// ANCHOR: types
pub struct Wheel<T> {
    /// The wheel's time: every tick up to this one has been processed, so
    /// entries due by then are in the `DUE` list. Moves only forward.
    elapsed: u64,
    /// Per level, one bit per slot that holds at least one entry.
    occupied: [u64; LEVELS],
    /// The slots, level by level, then `DUE` and `OVERFLOW`.
    lists: Box<[List; LISTS]>,
    /// The entries; a free node is reused by the next insert.
    nodes: Vec<Node<T>>,
    free: Vec<u32>,
    len: usize,
}

/// A doubly linked list of nodes, by index.
#[derive(Clone, Copy)]
struct List {
    head: u32,
    tail: u32,
}

struct Node<T> {
    tick: u64,
    /// Bumped each time the node is freed, so old keys go stale.
    generation: u32,
    /// The list that holds it (a slot is `level * 64 + slot`), or `FREE`.
    list: u16,
    prev: u32,
    next: u32,
    value: Option<T>,
}
// ANCHOR_END: types

const EMPTY: List = List {
    head: NIL,
    tail: NIL,
};

// ANCHOR: level_for
/// The level for a deadline `tick` at time `elapsed`: the highest bit in
/// which the two differ says how far ahead the deadline lies, in units of
/// 64^level. Ticks that differ from `elapsed` only in the low 6 bits go
/// to level 0; 6 and more means beyond the top level.
fn level_for(elapsed: u64, tick: u64) -> usize {
    let differing = (elapsed ^ tick) | (SLOTS as u64 - 1);
    let highest = 63 - differing.leading_zeros();
    (highest / SLOT_BITS) as usize
}

/// The slot of `tick` in `level`: its 6 bits for that level.
fn slot_for(tick: u64, level: usize) -> usize {
    (tick >> (SLOT_BITS as usize * level)) as usize % SLOTS
}
// ANCHOR_END: level_for

impl<T> Wheel<T> {
    /// An empty wheel whose time starts at tick 0.
    pub fn new() -> Wheel<T> {
        Wheel {
            elapsed: 0,
            occupied: [0; LEVELS],
            lists: Box::new([EMPTY; LISTS]),
            nodes: Vec::new(),
            free: Vec::new(),
            len: 0,
        }
    }

    /// What one timer costs in memory: its node.
    pub fn bytes_per_timer() -> usize {
        size_of::<Node<T>>()
    }

    /// The wheel's time: the last tick it has processed.
    pub fn elapsed(&self) -> u64 {
        self.elapsed
    }

    // ANCHOR: place
    /// The list a deadline goes to now.
    fn list_for(&self, tick: u64) -> usize {
        if tick <= self.elapsed {
            return DUE;
        }
        match level_for(self.elapsed, tick) {
            level if level < LEVELS => level * SLOTS + slot_for(tick, level),
            _ => OVERFLOW,
        }
    }
    // ANCHOR_END: place

    // ANCHOR: next_slot
    /// The next list to process and the tick at which to process it: the
    /// first occupied slot at the lowest occupied level. Every entry of a
    /// higher level lies beyond the end of the current turn of this level,
    /// so nothing is due before this slot starts.
    fn next_slot(&self) -> Option<(usize, u64)> {
        for level in 0..LEVELS {
            let occupied = self.occupied[level];
            if occupied == 0 {
                continue;
            }
            let shift = SLOT_BITS * level as u32;
            let now = (self.elapsed >> shift) as u32 % SLOTS as u32;
            // The first occupied slot at or after the current one. (Every
            // entry of this level is in a slot after the current one.)
            let ahead = occupied.rotate_right(now).trailing_zeros();
            let slot = (now + ahead) as usize % SLOTS;
            let slot_span = 1u64 << shift;
            let level_span = slot_span << SLOT_BITS;
            let turn_start = self.elapsed & !(level_span - 1);
            let start = turn_start + slot as u64 * slot_span;
            debug_assert!(start > self.elapsed, "a slot of the past");
            return Some((level * SLOTS + slot, start));
        }
        if self.lists[OVERFLOW].head != NIL {
            // The start of the top level's next turn: then the entries
            // that fall in it can be placed.
            let span = 1u64 << (SLOT_BITS as usize * LEVELS);
            let next_turn = (self.elapsed | (span - 1)).saturating_add(1);
            return Some((OVERFLOW, next_turn));
        }
        None
    }
    // ANCHOR_END: next_slot

    // ANCHOR: process
    /// The wheel's time reaches `start`, where `list` begins: each of its
    /// entries is either due now or goes down to a lower level (from the
    /// overflow list: into the wheel, if its turn has come).
    fn process(&mut self, list: usize, start: u64) {
        self.elapsed = start;
        // Detach the whole list first: an entry must not be met twice.
        let mut node = self.lists[list].head;
        self.lists[list] = EMPTY;
        if list < DUE {
            self.occupied[list / SLOTS] &= !(1 << (list % SLOTS));
        }
        while node != NIL {
            let next = self.nodes[node as usize].next;
            let to = self.list_for(self.nodes[node as usize].tick);
            debug_assert!(to < list || to >= DUE, "entries only move down");
            self.push_back(to, node);
            node = next;
        }
    }
    // ANCHOR_END: process

    fn push_back(&mut self, list: usize, index: u32) {
        let tail = self.lists[list].tail;
        let node = &mut self.nodes[index as usize];
        node.list = list as u16;
        node.prev = tail;
        node.next = NIL;
        match tail {
            NIL => self.lists[list].head = index,
            tail => self.nodes[tail as usize].next = index,
        }
        self.lists[list].tail = index;
        if list < DUE {
            self.occupied[list / SLOTS] |= 1 << (list % SLOTS);
        }
    }

    fn unlink(&mut self, index: u32) {
        let node = &self.nodes[index as usize];
        let (list, prev, next) = (node.list as usize, node.prev, node.next);
        match prev {
            NIL => self.lists[list].head = next,
            prev => self.nodes[prev as usize].next = next,
        }
        match next {
            NIL => self.lists[list].tail = prev,
            next => self.nodes[next as usize].prev = prev,
        }
        if list < DUE && self.lists[list].head == NIL {
            self.occupied[list / SLOTS] &= !(1 << (list % SLOTS));
        }
    }

    /// The node a key names, if the key is not stale.
    fn live(&self, key: Key) -> Option<u32> {
        let node = self.nodes.get(key.index as usize)?;
        let live = node.generation == key.generation && node.list != FREE;
        live.then_some(key.index)
    }

    /// Gives a node back: its value out, its generation on.
    fn release(&mut self, index: u32) -> Option<T> {
        let node = &mut self.nodes[index as usize];
        node.list = FREE;
        node.generation = node.generation.wrapping_add(1);
        self.free.push(index);
        self.len -= 1;
        node.value.take()
    }
}

impl<T> Default for Wheel<T> {
    fn default() -> Wheel<T> {
        Wheel::new()
    }
}

impl<T> TimerQueue<T> for Wheel<T> {
    // ANCHOR: insert_remove
    fn insert(&mut self, tick: u64, value: T) -> Key {
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                let index = u32::try_from(self.nodes.len())
                    .ok()
                    .filter(|&index| index != NIL)
                    .expect("more than 2^32 - 1 timers");
                self.nodes.push(Node {
                    tick,
                    generation: 0,
                    list: FREE,
                    prev: NIL,
                    next: NIL,
                    value: None,
                });
                index
            }
        };
        let node = &mut self.nodes[index as usize];
        node.tick = tick;
        node.value = Some(value);
        let generation = node.generation;
        self.push_back(self.list_for(tick), index);
        self.len += 1;
        Key { index, generation }
    }

    fn remove(&mut self, key: Key) -> Option<T> {
        let index = self.live(key)?;
        self.unlink(index);
        self.release(index)
    }
    // ANCHOR_END: insert_remove

    fn get_mut(&mut self, key: Key) -> Option<&mut T> {
        let index = self.live(key)?;
        self.nodes[index as usize].value.as_mut()
    }

    fn next_expiration(&self) -> Option<u64> {
        if self.lists[DUE].head != NIL {
            return Some(self.elapsed);
        }
        self.next_slot().map(|(_, start)| start)
    }

    // ANCHOR: poll
    fn poll(&mut self, now: u64) -> Option<T> {
        loop {
            let due = self.lists[DUE].head;
            if due != NIL {
                self.unlink(due);
                return self.release(due);
            }
            match self.next_slot() {
                Some((list, start)) if start <= now => {
                    self.process(list, start)
                }
                _ => {
                    self.elapsed = self.elapsed.max(now);
                    return None;
                }
            }
        }
    }
    // ANCHOR_END: poll

    fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_highest_differing_bit() {
        assert_eq!(level_for(0, 1), 0);
        assert_eq!(level_for(0, 63), 0);
        assert_eq!(level_for(0, 64), 1);
        assert_eq!(level_for(0, 4095), 1);
        assert_eq!(level_for(0, 4096), 2);
        // 70 and 100 lie in the same turn of level 0 (64..128).
        assert_eq!(level_for(70, 100), 0);
        // 60 and 70 do not: 70 is in the next turn.
        assert_eq!(level_for(60, 70), 1);
        assert_eq!(level_for(0, (1 << 36) - 1), 5);
        assert_eq!(level_for(0, 1 << 36), 6);
        assert_eq!(level_for(0, u64::MAX), 10);
    }

    #[test]
    fn an_entry_moves_down_as_its_slot_comes_round() {
        let mut wheel = Wheel::new();
        let key = wheel.insert(5000, "a");
        // Level 2 (4096..262143), slot 1: processed at 4096.
        assert_eq!(wheel.next_expiration(), Some(4096));
        assert_eq!(wheel.poll(4096), None);
        // Now level 1: slot 14 (5000 >> 6 = 78, 78 % 64 = 14) starts at 4992.
        assert_eq!(wheel.next_expiration(), Some(4992));
        assert_eq!(wheel.poll(4999), None);
        assert_eq!(wheel.next_expiration(), Some(5000));
        assert_eq!(wheel.get_mut(key), Some(&mut "a"));
        assert_eq!(wheel.poll(5000), Some("a"));
        assert!(wheel.is_empty());
        assert_eq!(wheel.next_expiration(), None);
    }

    #[test]
    fn a_deadline_beyond_the_top_level_waits_in_the_overflow_list() {
        let mut wheel = Wheel::new();
        let far = (1 << 36) + 10;
        wheel.insert(far, "far");
        wheel.insert(3, "near");
        assert_eq!(wheel.poll(3), Some("near"));
        // The top level's next turn starts at 2^36.
        assert_eq!(wheel.next_expiration(), Some(1 << 36));
        assert_eq!(wheel.poll(far - 1), None);
        assert_eq!(wheel.poll(far), Some("far"));
    }

    #[test]
    fn a_past_deadline_is_due_at_once() {
        let mut wheel = Wheel::new();
        assert_eq!(wheel.poll(100), None);
        wheel.insert(50, 1);
        assert_eq!(wheel.next_expiration(), Some(100));
        assert_eq!(wheel.poll(100), Some(1));
    }
}
