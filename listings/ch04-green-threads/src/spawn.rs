//! Starting green threads and waiting for their results.

use crate::policy::ThreadId;
use crate::runtime::{spawn_task, yield_now};
use std::cell::RefCell;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::thread;

pub use crate::runtime::DEFAULT_STACK_SIZE;

/// Configures a green thread before spawning it, like `std::thread::Builder`.
pub struct Builder {
    stack_size: usize,
    priority: u8,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder {
            stack_size: DEFAULT_STACK_SIZE,
            priority: 0,
        }
    }
}

impl Builder {
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Usable stack bytes, rounded up to whole pages.
    pub fn stack_size(mut self, bytes: usize) -> Builder {
        self.stack_size = bytes;
        self
    }

    /// Handed to the scheduling policy; [`RoundRobin`](crate::RoundRobin)
    /// ignores it.
    pub fn priority(mut self, priority: u8) -> Builder {
        self.priority = priority;
        self
    }

    // ANCHOR: builder_spawn
    /// Spawns `f` as a green thread of the running runtime.
    ///
    /// # Panics
    /// Outside [`run`](crate::run).
    pub fn spawn<T: 'static>(
        self,
        f: impl FnOnce() -> T + 'static,
    ) -> io::Result<JoinHandle<T>> {
        let result = Rc::new(RefCell::new(None));
        let slot = Rc::clone(&result);
        // A panic stops here, at the bottom of the green thread's stack,
        // and travels to `join` as a value.
        let task = move || {
            let outcome = panic::catch_unwind(AssertUnwindSafe(f));
            *slot.borrow_mut() = Some(outcome);
        };
        let id = spawn_task(Box::new(task), self.stack_size, self.priority)?;
        Ok(JoinHandle { id, result })
    }
    // ANCHOR_END: builder_spawn
}

// ANCHOR: spawn
/// Spawns `f` as a green thread with the default stack size.
///
/// # Panics
/// Outside [`run`](crate::run), or if its stack cannot be mapped.
pub fn spawn<T: 'static>(f: impl FnOnce() -> T + 'static) -> JoinHandle<T> {
    Builder::new()
        .spawn(f)
        .expect("failed to map a green thread's stack")
}
// ANCHOR_END: spawn

// ANCHOR: join
/// Owns the right to a green thread's result.
pub struct JoinHandle<T> {
    id: ThreadId,
    result: Rc<RefCell<Option<thread::Result<T>>>>,
}

impl<T> JoinHandle<T> {
    /// Yields until the thread has finished, then returns what it returned,
    /// or `Err` with the panic's payload, like `std::thread::JoinHandle`.
    pub fn join(self) -> thread::Result<T> {
        loop {
            if let Some(outcome) = self.result.borrow_mut().take() {
                return outcome;
            }
            yield_now();
        }
    }
}
// ANCHOR_END: join

impl<T> JoinHandle<T> {
    pub fn is_finished(&self) -> bool {
        self.result.borrow().is_some()
    }

    pub fn id(&self) -> ThreadId {
        self.id
    }
}
