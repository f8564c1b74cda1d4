//! The atomics and the cell that the task state word and the reactor's
//! readiness word and waker cell use, named in one place. `tests/loom.rs`
//! compiles those files against a module of the same name that re-exports
//! loom's versions instead, so that loom can explore every interleaving of
//! their atomics.

pub use std::sync::atomic::{AtomicUsize, Ordering};

/// `std::cell::UnsafeCell` with loom's interface: access goes through a
/// closure, which loom uses to check that no two threads touch the cell
/// at once.
pub struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

impl<T> UnsafeCell<T> {
    pub const fn new(value: T) -> UnsafeCell<T> {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}
