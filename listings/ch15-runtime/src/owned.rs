//! The runtime's list of live tasks. A task that waits holds no place in
//! any queue: its only other references are wakers, stored wherever its
//! future left them, possibly inside its own future. So the runtime keeps
//! one reference to every task that has not completed, and at shutdown
//! walks this list to drop every future still alive.
//!
//! A slab: each task is told its slot when it is made (`next_id`), and
//! gives it back when it completes; freed slots are reused, the most
//! recently freed first, since its memory is the likeliest to be in cache.

use crate::task::TaskRef;

#[derive(Default)]
pub struct OwnedTasks {
    slots: Vec<Option<TaskRef>>,
    free: Vec<usize>,
}

impl OwnedTasks {
    /// The slot the next inserted task must have.
    pub fn next_id(&self) -> usize {
        self.free.last().copied().unwrap_or(self.slots.len())
    }

    /// Adds a task made with `next_id()`.
    pub fn insert(&mut self, task: TaskRef) {
        let id = task.id();
        debug_assert_eq!(id, self.next_id());
        if id == self.slots.len() {
            self.slots.push(Some(task));
        } else {
            self.free.pop();
            self.slots[id] = Some(task);
        }
    }

    /// Takes the task at `id` out of the list.
    pub fn remove(&mut self, id: usize) -> Option<TaskRef> {
        let task = self.slots.get_mut(id)?.take();
        if task.is_some() {
            self.free.push(id);
        }
        task
    }

    /// How many tasks are alive.
    pub fn len(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Empties the list, for a shutdown.
    pub fn take_all(&mut self) -> Vec<TaskRef> {
        self.free.clear();
        std::mem::take(&mut self.slots)
            .into_iter()
            .flatten()
            .collect()
    }
}
