//! Tasks: a spawned future in one heap block, with its state word, its
//! output slot and its scheduler. This module knows nothing of run queues
//! or threads: it hands a woken task to whatever implements [`Schedule`].
//!
//! - [`state`]: the state word, each bit explained where it is defined;
//! - `header`: what every task has the same, and its vtable;
//! - `raw`: the block's layout and the functions that run, complete and
//!   free a task, reached through a per-future-type vtable;
//! - `waker`: the task's `Waker`, one static vtable for every task;
//! - `join`: [`JoinHandle`] and [`JoinError`].
//!
//! Every handle to a task ([`TaskRef`], [`Notified`], [`JoinHandle`], each
//! `Waker`) owns one reference, counted in the state word; the last one to
//! go frees the block.

#[doc(hidden)]
pub mod header;
mod join;
mod raw;
pub mod state;
#[doc(hidden)]
pub mod waker;

use std::future::Future;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::Waker;

use header::Header;
pub use join::{JoinError, JoinHandle};

// ANCHOR: schedule
/// What a task needs from its executor: a way back into a run queue. Each
/// task keeps an `Arc` of its scheduler.
pub trait Schedule: Send + Sync + 'static {
    /// Queues a woken task. Returns it if it cannot be queued (the
    /// executor is shutting down). The caller then drops it, not
    /// `schedule` itself: the task holds the `Arc` that keeps `self`
    /// alive, and dropping the task's last reference could free `self`
    /// mid-call.
    fn schedule(&self, task: Notified) -> Option<Notified>;
}
// ANCHOR_END: schedule

/// Allocates a task for `future`, which keeps `scheduler` alive, in the
/// runtime's list at `id`. Returns its three first references: the
/// runtime's list entry, the run queue entry, and the `JoinHandle`
/// (`state::INITIAL` counts three).
pub fn new<F, S>(
    future: F,
    scheduler: Arc<S>,
    id: usize,
) -> (TaskRef, Notified, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let ptr = raw::allocate(future, scheduler, id);
    (
        TaskRef { ptr },
        Notified(TaskRef { ptr }),
        JoinHandle::from_raw(ptr),
    )
}

/// One reference to a task: the runtime's list of live tasks holds one per
/// task, so that a shutdown can reach tasks nobody else can.
pub struct TaskRef {
    ptr: NonNull<Header>,
}

// SAFETY: a task is only ever polled, cancelled and completed by its
// executor's thread; from other threads, references only touch the atomic
// state word and the scheduler (which is `Send + Sync`). The future and its
// output are `Send` (see `new`), so they may be dropped on any thread.
unsafe impl Send for TaskRef {}

impl TaskRef {
    /// Takes over a reference to the task at `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` is a task, and the caller hands over one of its references.
    #[doc(hidden)]
    pub unsafe fn from_raw(ptr: NonNull<Header>) -> TaskRef {
        TaskRef { ptr }
    }

    fn header(&self) -> &Header {
        // SAFETY: this reference keeps the block alive.
        unsafe { self.ptr.as_ref() }
    }

    /// The task's place in its runtime's list.
    pub fn id(&self) -> usize {
        self.header().id
    }

    /// Closes the task for good: drops its future (unless it completed)
    /// and stores "cancelled" for its `JoinHandle`. Only the executor's
    /// thread calls this, and never while the task is being polled.
    pub fn shut_down(&self) {
        // SAFETY: the vtable belongs to this task; we hold a reference.
        unsafe { (self.header().vtable.shut_down)(self.ptr) }
    }
}

impl TaskRef {
    /// Gives back this reference and `other`'s in one atomic step, and frees
    /// the task if they were the last.
    pub fn release_with(self, other: Option<TaskRef>) {
        let this = ManuallyDrop::new(self);
        let count = 1 + usize::from(other.is_some());
        // `other` is the same task's (the caller's promise, checked in
        // debug builds): its reference is counted here, not by its drop.
        if let Some(other) = other {
            debug_assert_eq!(other.ptr, this.ptr);
            std::mem::forget(other);
        }
        if this.header().state.ref_dec(count) {
            // SAFETY: those were the last references.
            unsafe { (this.header().vtable.dealloc)(this.ptr) }
        }
    }
}

impl Drop for TaskRef {
    fn drop(&mut self) {
        if self.header().state.ref_dec(1) {
            // SAFETY: that was the last reference: nobody else can reach
            // the block any more.
            unsafe { (self.header().vtable.dealloc)(self.ptr) }
        }
    }
}

/// A task in a run queue: the queue entry's reference. Running it is the
/// only way to poll a task.
pub struct Notified(TaskRef);

/// What became of a task the executor ran.
pub enum Ran {
    /// It returned `Pending` and waits for a wake.
    Idle,
    /// It was woken while it ran: queue it again (at the back).
    Requeue(Notified),
    /// It finished (or was cancelled): remove it from the runtime's list,
    /// and give back the list's reference with this one, the queue
    /// entry's, which the executor still holds.
    Completed(TaskRef),
}

impl Notified {
    /// Takes over a queue entry's reference to the task at `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` is a task whose state says `SCHEDULED`, and the caller hands
    /// over the reference that goes with it.
    #[doc(hidden)]
    pub unsafe fn from_raw(ptr: NonNull<Header>) -> Notified {
        Notified(TaskRef { ptr })
    }

    pub fn id(&self) -> usize {
        self.0.id()
    }

    /// Polls the task once, unless it was closed, in which case its future
    /// is dropped instead.
    pub fn run(self) -> Ran {
        // `run` takes over this entry's reference.
        let this = ManuallyDrop::new(self);
        // SAFETY: the vtable belongs to this task, and the reference we
        // hand over keeps it alive while `run` works.
        unsafe { (this.0.header().vtable.run)(this.0.ptr) }
    }
}

/// How many references a task's waker counts right now, or `None` for a
/// waker of something else: for tests that check that the executor clones
/// no waker per poll.
#[doc(hidden)]
pub fn references(waker: &Waker) -> Option<usize> {
    waker::references(waker)
}
