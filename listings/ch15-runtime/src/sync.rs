//! The atomics, locks and cell that the task state word, the reactor's
//! readiness word and waker cell, the parker and the multi-threaded
//! scheduler's queues and idle bookkeeping use, named in one place.
//! `tests/loom.rs` compiles those files against a module of the same name
//! that re-exports loom's versions instead, so that loom can explore every
//! interleaving of their atomics.

pub use std::sync::atomic::{
    AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering,
};
pub use std::sync::{Arc, Condvar, Mutex, MutexGuard};
pub use std::thread;

/// `std::cell::UnsafeCell` with loom's interface: access goes through a
/// closure, which loom uses to check that no two threads touch the cell
/// at once.
pub struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

impl<T> UnsafeCell<T> {
    pub const fn new(value: T) -> UnsafeCell<T> {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    /// Reads through a shared pointer.
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}
