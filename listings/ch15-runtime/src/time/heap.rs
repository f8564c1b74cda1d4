//! A binary min-heap of deadlines that can remove any entry: each entry
//! in the slab knows its position in the heap, and every swap updates it.
//! Chapter 8's heap could not do that: it left a cancelled timer in place,
//! skipped it when it came to the top, and rebuilt itself when the dead
//! outnumbered the live. This one takes a cancelled entry out at once, in
//! O(log n), and leaves nothing behind.

use super::queue::{Key, TimerQueue};

// ANCHOR: types
pub struct Heap<T> {
    /// Ordered by (tick, sequence): the earliest at index 0, and each
    /// item no later than its two children.
    heap: Vec<Item>,
    /// The entries; `position` says where each one's item is.
    entries: Vec<Entry<T>>,
    free: Vec<u32>,
    /// Inserts so far: equal ticks leave in the order they came.
    sequence: u64,
}

#[derive(Clone, Copy)]
struct Item {
    tick: u64,
    sequence: u64,
    index: u32,
}

struct Entry<T> {
    generation: u32,
    /// Where the entry's item is in `heap`; `FREE` if the slot is unused.
    position: u32,
    value: Option<T>,
}
// ANCHOR_END: types

const FREE: u32 = u32::MAX;

impl Item {
    fn before(&self, other: &Item) -> bool {
        (self.tick, self.sequence) < (other.tick, other.sequence)
    }
}

impl<T> Heap<T> {
    pub fn new() -> Heap<T> {
        Heap {
            heap: Vec::new(),
            entries: Vec::new(),
            free: Vec::new(),
            sequence: 0,
        }
    }

    /// What one timer costs in memory: its item and its entry.
    pub fn bytes_per_timer() -> usize {
        size_of::<Item>() + size_of::<Entry<T>>()
    }

    /// Puts `item` at `position` and tells its entry.
    fn place(&mut self, position: usize, item: Item) {
        self.heap[position] = item;
        self.entries[item.index as usize].position = position as u32;
    }

    // ANCHOR: sift
    /// Moves the item at `position` up while it is earlier than its parent.
    fn sift_up(&mut self, mut position: usize) {
        let item = self.heap[position];
        while position > 0 {
            let parent = (position - 1) / 2;
            if !item.before(&self.heap[parent]) {
                break;
            }
            self.place(position, self.heap[parent]);
            position = parent;
        }
        self.place(position, item);
    }

    /// Moves the item at `position` down while a child is earlier.
    fn sift_down(&mut self, mut position: usize) {
        let item = self.heap[position];
        let len = self.heap.len();
        loop {
            let left = 2 * position + 1;
            if left >= len {
                break;
            }
            let right = left + 1;
            let child =
                if right < len && self.heap[right].before(&self.heap[left]) {
                    right
                } else {
                    left
                };
            if !self.heap[child].before(&item) {
                break;
            }
            self.place(position, self.heap[child]);
            position = child;
        }
        self.place(position, item);
    }
    // ANCHOR_END: sift

    // ANCHOR: take
    /// Takes the item at `position` out: the last item fills the hole and
    /// moves up or down to where it belongs.
    fn take(&mut self, position: usize) -> Option<T> {
        let item = self.heap[position];
        let last = self.heap.pop().expect("a heap with an item at position");
        if position < self.heap.len() {
            self.place(position, last);
            if position > 0 && last.before(&self.heap[(position - 1) / 2]) {
                self.sift_up(position);
            } else {
                self.sift_down(position);
            }
        }
        let entry = &mut self.entries[item.index as usize];
        entry.position = FREE;
        entry.generation = entry.generation.wrapping_add(1);
        self.free.push(item.index);
        entry.value.take()
    }
    // ANCHOR_END: take

    fn live(&self, key: Key) -> Option<usize> {
        let entry = self.entries.get(key.index as usize)?;
        let live = entry.generation == key.generation && entry.position != FREE;
        live.then_some(entry.position as usize)
    }
}

impl<T> Default for Heap<T> {
    fn default() -> Heap<T> {
        Heap::new()
    }
}

impl<T> TimerQueue<T> for Heap<T> {
    // ANCHOR: insert_remove
    fn insert(&mut self, tick: u64, value: T) -> Key {
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                let index = u32::try_from(self.entries.len())
                    .ok()
                    .filter(|&index| index != FREE)
                    .expect("more than 2^32 - 1 timers");
                self.entries.push(Entry {
                    generation: 0,
                    position: FREE,
                    value: None,
                });
                index
            }
        };
        self.entries[index as usize].value = Some(value);
        let generation = self.entries[index as usize].generation;
        let item = Item {
            tick,
            sequence: self.sequence,
            index,
        };
        self.sequence += 1;
        self.heap.push(item);
        self.sift_up(self.heap.len() - 1);
        Key { index, generation }
    }

    fn remove(&mut self, key: Key) -> Option<T> {
        let position = self.live(key)?;
        self.take(position)
    }
    // ANCHOR_END: insert_remove

    fn get_mut(&mut self, key: Key) -> Option<&mut T> {
        self.live(key)?;
        self.entries[key.index as usize].value.as_mut()
    }

    fn next_expiration(&self) -> Option<u64> {
        self.heap.first().map(|item| item.tick)
    }

    fn poll(&mut self, now: u64) -> Option<T> {
        match self.heap.first() {
            Some(first) if first.tick <= now => self.take(0),
            _ => None,
        }
    }

    fn len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removing_from_the_middle_keeps_the_order() {
        let mut heap = Heap::new();
        let keys: Vec<Key> = [50, 10, 40, 20, 30, 60, 5]
            .into_iter()
            .map(|tick| heap.insert(tick, tick))
            .collect();
        assert_eq!(heap.remove(keys[2]), Some(40));
        assert_eq!(heap.remove(keys[2]), None, "a stale key");
        assert_eq!(heap.remove(keys[6]), Some(5));
        let mut order = Vec::new();
        while let Some(tick) = heap.poll(u64::MAX) {
            order.push(tick);
        }
        assert_eq!(order, [10, 20, 30, 50, 60]);
    }
}
