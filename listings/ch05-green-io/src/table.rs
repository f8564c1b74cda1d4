//! The scheduler's table of green threads: a slab, a vector whose free
//! slots are reused, so a lookup by id is one index operation.

use crate::policy::ThreadId;

pub struct Table<T> {
    slots: Vec<Option<T>>,
    /// Indices of empty slots, reused before the vector grows.
    free: Vec<usize>,
}

impl<T> Default for Table<T> {
    fn default() -> Table<T> {
        Table {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Table<T> {
    pub fn new() -> Table<T> {
        Table::default()
    }

    /// Stores `entry` and returns its id. Ids of removed entries are
    /// reused, like process ids.
    pub fn insert(&mut self, entry: T) -> ThreadId {
        match self.free.pop() {
            Some(index) => {
                self.slots[index] = Some(entry);
                ThreadId(index)
            }
            None => {
                self.slots.push(Some(entry));
                ThreadId(self.slots.len() - 1)
            }
        }
    }

    pub fn get(&self, id: ThreadId) -> Option<&T> {
        self.slots.get(id.0)?.as_ref()
    }

    pub fn get_mut(&mut self, id: ThreadId) -> Option<&mut T> {
        self.slots.get_mut(id.0)?.as_mut()
    }

    /// How many entries the table holds.
    pub fn len(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn remove(&mut self, id: ThreadId) -> Option<T> {
        let entry = self.slots.get_mut(id.0)?.take()?;
        self.free.push(id.0);
        Some(entry)
    }
}
