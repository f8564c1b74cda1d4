//! The registration table: one slot per registered socket, named by its
//! index and its generation (chapter 6's slab tokens), and reachable
//! without a lock.
//!
//! A socket keeps a pointer to its slot for as long as it lives, and the
//! reactor looks slots up by index from its own thread while sockets come
//! and go on others. So a slot must never move: the table grows by adding
//! pages, each twice the size of the one before, and a page, once made,
//! stays where it is until the table is dropped. Finding a slot is two
//! array indexings; only taking a slot and giving it back take a lock.

use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use super::readiness::Readiness;
use super::waker_cell::WakerCell;

// ANCHOR: slot
/// What the reactor keeps for one registered socket.
#[derive(Default)]
pub struct Slot {
    /// What the kernel reported and nobody has used up yet; the tick of the
    /// last event; the generation of the registration.
    pub readiness: Readiness,
    /// The task waiting to read, and the one waiting to write.
    pub reader: WakerCell,
    pub writer: WakerCell,
    /// One-shot registrations only: the directions a task waits for, to
    /// arm again after an event, and the descriptor to arm.
    pub armed: AtomicUsize,
    pub fd: AtomicI32,
}
// ANCHOR_END: slot

/// Slots in the first page; page `p` holds `FIRST << p`.
const FIRST: usize = 32;
/// 27 pages hold 2^32 - 32 slots: every index fits in 32 bits, and none is
/// `u32::MAX`, which the poller's own token uses.
const PAGES: usize = 27;

pub struct Table {
    pages: [OnceLock<Box<[Slot]>>; PAGES],
    free: Mutex<Free>,
}

#[derive(Default)]
struct Free {
    /// Slots given back, reused first (the most recent first: its memory is
    /// the likeliest to be in cache).
    list: Vec<u32>,
    /// The first index never used.
    next: u32,
}

/// Where slot `index` lives: its page and its place in the page.
fn locate(index: u32) -> (usize, usize) {
    let x = index as usize + FIRST;
    let page = (x.ilog2() - FIRST.ilog2()) as usize;
    (page, x - (FIRST << page))
}

impl Table {
    pub fn new() -> Table {
        Table {
            pages: [const { OnceLock::new() }; PAGES],
            free: Mutex::new(Free::default()),
        }
    }

    fn free(&self) -> MutexGuard<'_, Free> {
        // Nothing below panics while it holds the lock.
        self.free.lock().unwrap_or_else(PoisonError::into_inner)
    }

    // ANCHOR: insert
    /// Takes a free slot; returns its index and its generation (which, with
    /// the index, makes the registration's token). `None` once 2^32 - 32
    /// slots are taken.
    pub fn insert(&self) -> Option<(u32, &Slot)> {
        let mut free = self.free();
        let index = match free.list.pop() {
            Some(index) => index,
            None => {
                let index = free.next;
                let (page, _) = locate(index);
                if page >= PAGES {
                    return None;
                }
                // A new page is made under the lock, once; from then on it
                // stays where it is.
                self.pages[page].get_or_init(|| {
                    (0..FIRST << page).map(|_| Slot::default()).collect()
                });
                free.next += 1;
                index
            }
        };
        drop(free);
        let slot = self.get(index).expect("the slot's page exists");
        Some((index, slot))
    }
    // ANCHOR_END: insert

    // ANCHOR: get
    /// The slot at `index`, without a lock. Whether it still belongs to the
    /// registration that asks is for the generation to say.
    pub fn get(&self, index: u32) -> Option<&Slot> {
        let (page, offset) = locate(index);
        self.pages.get(page)?.get()?.get(offset)
    }
    // ANCHOR_END: get

    // ANCHOR: remove
    /// Gives a slot back: its registration's token is stale from now on,
    /// and its wakers are dropped (outside the lock: a waker's drop may run
    /// any code).
    pub fn remove(&self, index: u32) {
        let Some(slot) = self.get(index) else {
            return;
        };
        slot.readiness.release();
        slot.armed.store(0, Ordering::Relaxed);
        let wakers = (slot.reader.take(), slot.writer.take());
        self.free().list.push(index);
        drop(wakers);
    }
    // ANCHOR_END: remove

    /// How many slots are taken.
    pub fn len(&self) -> usize {
        let free = self.free();
        free.next as usize - free.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every slot ever handed out (free ones included), for a shutdown.
    pub fn for_each(&self, mut f: impl FnMut(&Slot)) {
        let next = self.free().next;
        for index in 0..next {
            if let Some(slot) = self.get(index) {
                f(slot);
            }
        }
    }
}

impl Default for Table {
    fn default() -> Table {
        Table::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_double_and_indices_map_one_to_one() {
        assert_eq!(locate(0), (0, 0));
        assert_eq!(locate(31), (0, 31));
        assert_eq!(locate(32), (1, 0));
        assert_eq!(locate(95), (1, 63));
        assert_eq!(locate(96), (2, 0));
        let last = (FIRST << PAGES) - FIRST - 1;
        assert_eq!(
            locate(last as u32),
            (PAGES - 1, (FIRST << (PAGES - 1)) - 1)
        );
        assert_eq!(locate(last as u32 + 1).0, PAGES);
    }
}
