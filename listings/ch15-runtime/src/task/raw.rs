//! A task is one heap block: the header (`header.rs`), the scheduler, then
//! the future, which the output replaces in the same bytes once it is
//! ready. One allocation per spawn, as in tokio and async-task.
//!
//! Code that knows only a `NonNull<Header>` (wakers, queues, the runtime's
//! list) reaches the typed functions below through the header's vtable,
//! which `allocate` fills in for the future's type.

use std::any::Any;
use std::cell::UnsafeCell;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use super::header::{Header, Vtable};
use super::state::{COMPLETED, End, HANDLE, JOIN_WAKER, Start, State};
use super::{JoinError, Notified, Ran, Schedule, TaskRef, waker};

// ANCHOR: layout
/// The whole block, for one type of future.
#[repr(C)]
struct Cell<F: Future, S> {
    header: Header,
    scheduler: Arc<S>,
    /// The future, then its output. Touched only by whoever the state
    /// word gives it to: the executor while `RUNNING`, the `JoinHandle`
    /// once `COMPLETED`, whoever frees the block at the end.
    stage: UnsafeCell<Stage<F>>,
    /// The waker of whoever awaits the `JoinHandle`; `JOIN_WAKER` says
    /// who may touch it.
    join_waker: UnsafeCell<Option<Waker>>,
}

enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

// ANCHOR_END: layout

/// The vtable of `Cell<F, S>`.
fn vtable<F, S>() -> &'static Vtable
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // A constant expression: promoted to a `static`, one per type.
    &Vtable {
        run: run::<F, S>,
        schedule: schedule::<F, S>,
        read_output: read_output::<F, S>,
        drop_handle: drop_handle::<F, S>,
        shut_down: shut_down::<F, S>,
        dealloc: dealloc::<F, S>,
    }
}

// ANCHOR: allocate
/// Moves `future` into a new task block and returns a pointer to it. The
/// block starts with three references (see `state::INITIAL`).
pub fn allocate<F, S>(
    future: F,
    scheduler: Arc<S>,
    id: usize,
) -> NonNull<Header>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let cell = Box::new(Cell {
        header: Header {
            state: State::new(),
            vtable: vtable::<F, S>(),
            id,
        },
        scheduler,
        stage: UnsafeCell::new(Stage::Running(future)),
        join_waker: UnsafeCell::new(None),
    });
    // Every pointer to the task derives from this one, which may reach the
    // whole block (a reference to the header could reach only the header).
    NonNull::from(Box::leak(cell)).cast()
}
// ANCHOR_END: allocate

/// The block behind `ptr`, as the type it was allocated with.
fn cell<F: Future, S>(ptr: NonNull<Header>) -> *mut Cell<F, S> {
    ptr.cast::<Cell<F, S>>().as_ptr()
}

fn header<'a>(ptr: NonNull<Header>) -> &'a Header {
    // SAFETY: every caller holds a reference to the task, which keeps the
    // block alive while the header is in use; the header is only read
    // (its state word is atomic).
    unsafe { ptr.as_ref() }
}

/// The stage of the task, for its current owner (see `Cell::stage`).
///
/// # Safety
///
/// The caller owns the stage by the rules of the state word and keeps the
/// task alive while it uses the pointer.
unsafe fn stage<F: Future, S>(ptr: NonNull<Header>) -> *mut Stage<F> {
    let cell = cell::<F, S>(ptr);
    // SAFETY: `cell` points to a live block (caller's promise); taking a
    // field's address reads nothing.
    unsafe { UnsafeCell::raw_get(&raw const (*cell).stage) }
}

/// Replaces the stage. Dropping what was there runs the future's or the
/// output's destructor, which may panic: the panic is returned, not raised.
///
/// # Safety
///
/// As for [`stage`].
unsafe fn set_stage<F: Future, S>(
    ptr: NonNull<Header>,
    new: Stage<F>,
) -> Result<(), Box<dyn Any + Send>> {
    // SAFETY: the caller owns the stage; the closure runs here, and
    // nothing else touches the stage meanwhile.
    panic::catch_unwind(AssertUnwindSafe(|| unsafe {
        *stage::<F, S>(ptr) = new;
    }))
}

// ANCHOR: run
/// Polls the task once. Takes over the run queue entry's reference.
///
/// # Safety
///
/// `ptr` is a task of this type, and the caller hands over a queue entry
/// (the `SCHEDULED` bit and its reference). Called only on the executor's
/// thread.
unsafe fn run<F, S>(ptr: NonNull<Header>) -> Ran
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let state = &header(ptr).state;
    match state.start_poll() {
        Start::Poll => {}
        // SAFETY (both): `start_poll` set RUNNING, which gives us the stage.
        Start::Cancel => return unsafe { cancel_and_complete::<F, S>(ptr) },
        Start::Skip => {
            // Completed while it sat in a queue (a shutdown): just let the
            // entry and its reference go.
            // SAFETY: the caller handed us the entry's reference.
            drop(unsafe { Notified::from_raw(ptr) });
            return Ran::Idle;
        }
    }
    // The task's waker, lent to this poll without a reference of its own:
    // the queue entry's reference keeps the task alive until we are done.
    // SAFETY: `ptr` is a live task, and `ManuallyDrop` keeps the borrowed
    // waker from giving back a reference it never took.
    let waker = ManuallyDrop::new(unsafe { waker::borrowed(ptr) });
    let mut cx = Context::from_waker(&waker);
    let poll = panic::catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: RUNNING gives us the stage, and the future never moves:
        // the block stays where it is until it is freed.
        let Stage::Running(future) = (unsafe { &mut *stage::<F, S>(ptr) })
        else {
            unreachable!("a task is polled only while its future is there");
        };
        unsafe { Pin::new_unchecked(future) }.poll(&mut cx)
    }));
    let output = match poll {
        Ok(Poll::Pending) => {
            return match state.end_poll() {
                End::Idle => Ran::Idle,
                // SAFETY: SCHEDULED is set, and the entry's reference,
                // which the caller handed us, goes back with it.
                End::Notified => {
                    Ran::Requeue(unsafe { Notified::from_raw(ptr) })
                }
                // SAFETY: still RUNNING: the stage is ours.
                End::Cancel => unsafe { cancel_and_complete::<F, S>(ptr) },
            };
        }
        Ok(Poll::Ready(output)) => Ok(output),
        Err(panic) => Err(JoinError::panic(panic)),
    };
    // SAFETY: still RUNNING: the stage is ours. The future goes first
    // (its destructor may panic too), then the output takes its place.
    unsafe {
        let output = match set_stage::<F, S>(ptr, Stage::Consumed) {
            Ok(()) => output,
            Err(panic) => output.and(Err(JoinError::panic(panic))),
        };
        let _ = set_stage::<F, S>(ptr, Stage::Finished(output));
        complete::<F, S>(ptr)
    }
}
// ANCHOR_END: run

/// Drops the future and completes the task as cancelled.
///
/// # Safety
///
/// The caller holds a queue entry and the state says `RUNNING`.
unsafe fn cancel_and_complete<F, S>(ptr: NonNull<Header>) -> Ran
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: RUNNING gives us the stage (caller's promise).
    unsafe {
        cancel::<F, S>(ptr);
        complete::<F, S>(ptr)
    }
}

/// Drops the future and stores "cancelled" (or the panic of the future's
/// destructor) in its place.
///
/// # Safety
///
/// The caller owns the stage (`RUNNING`).
unsafe fn cancel<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: the caller owns the stage.
    unsafe {
        let output = match set_stage::<F, S>(ptr, Stage::Consumed) {
            Ok(()) => Err(JoinError::cancelled()),
            Err(panic) => Err(JoinError::panic(panic)),
        };
        let _ = set_stage::<F, S>(ptr, Stage::Finished(output));
    }
}

// ANCHOR: complete
/// Marks the task complete and tells the `JoinHandle`; the queue entry
/// goes back to the executor, which gives its reference back together
/// with its list's, in one atomic step.
///
/// # Safety
///
/// The output is stored, the state says `RUNNING`, and the caller hands
/// over a queue entry.
unsafe fn complete<F: Future, S>(ptr: NonNull<Header>) -> Ran {
    // SAFETY: as the caller promises.
    unsafe { finish::<F, S>(ptr) };
    // SAFETY: the caller handed us the entry's reference.
    Ran::Completed(unsafe { TaskRef::from_raw(ptr) })
}

/// The part of completing a task that a shutdown shares: sets
/// `COMPLETED`, then wakes whoever awaits the `JoinHandle`, or drops the
/// output if there is no handle any more.
///
/// # Safety
///
/// The output is stored and the state says `RUNNING`; the caller holds a
/// reference until this returns.
unsafe fn finish<F: Future, S>(ptr: NonNull<Header>) {
    let previous = header(ptr).state.complete();
    if !previous.is(HANDLE) {
        // Nobody will read the output, and without a handle nobody else
        // may touch it: drop it now. (A panic in its destructor has
        // already been reported by the panic hook; it must not take the
        // executor down.)
        // SAFETY: COMPLETED without HANDLE: the stage is ours to the end.
        let _ = unsafe { set_stage::<F, S>(ptr, Stage::Consumed) };
    } else if previous.is(JOIN_WAKER) {
        // While JOIN_WAKER is set the handle leaves the waker alone, and
        // once COMPLETED is set it never stores another: we may read it.
        // SAFETY: as said; the block is alive (the caller's reference).
        let slot = unsafe { &*(*cell::<F, S>(ptr)).join_waker.get() };
        if let Some(waker) = slot {
            waker.wake_by_ref();
        }
    }
}
// ANCHOR_END: complete

/// A waker woke the task (or the handle aborted it): hand a new queue
/// entry to the scheduler.
///
/// # Safety
///
/// The caller has set `SCHEDULED` and hands over one reference for the
/// queue entry.
unsafe fn schedule<F, S>(ptr: NonNull<Header>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: as the caller promises.
    let task = unsafe { Notified::from_raw(ptr) };
    let rejected = {
        // SAFETY: the entry's reference keeps the block, and so the
        // scheduler, alive until it is dropped below, after this borrow.
        let scheduler = unsafe { &(*cell::<F, S>(ptr)).scheduler };
        scheduler.schedule(task)
    };
    drop(rejected);
}

// ANCHOR: read_output
/// `JoinHandle::poll`: moves the output to `*out` if the task completed;
/// otherwise leaves `waker` to be woken when it does.
///
/// # Safety
///
/// Called by the task's `JoinHandle` (which holds a reference and the
/// `HANDLE` bit), with `out` pointing to a
/// `Poll<Result<F::Output, JoinError>>`.
unsafe fn read_output<F, S>(ptr: NonNull<Header>, out: *mut (), waker: &Waker)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let state = &header(ptr).state;
    // SAFETY: the handle's reference keeps the block alive.
    let slot = unsafe { (*cell::<F, S>(ptr)).join_waker.get() };
    let snapshot = state.load();
    if !snapshot.is(COMPLETED) {
        let stored = if !snapshot.is(JOIN_WAKER) {
            // JOIN_WAKER clear: the slot is ours. Fill it, then hand it
            // over; if the task completed meanwhile, read the output.
            // SAFETY: nobody else touches the slot while JOIN_WAKER is clear.
            unsafe { *slot = Some(waker.clone()) };
            state.set_join_waker().is_ok()
        } else {
            // SAFETY: only a shared read: the executor may be reading it
            // too, to wake it, and nobody writes while JOIN_WAKER is set.
            let same = unsafe { &*slot }
                .as_ref()
                .is_some_and(|stored| stored.will_wake(waker));
            // The latest waker wins: take the slot back to replace it.
            same || (state.unset_join_waker().is_ok() && {
                // SAFETY: JOIN_WAKER is clear again: the slot is ours.
                unsafe { *slot = Some(waker.clone()) };
                state.set_join_waker().is_ok()
            })
        };
        if stored {
            return; // `*out` stays `Pending`
        }
    }
    // COMPLETED: the executor will never touch the stage again, and the
    // handle is the only one left that may.
    // SAFETY: as said; `out` has the type the handle promised.
    unsafe {
        let stage = &mut *stage::<F, S>(ptr);
        match std::mem::replace(stage, Stage::Consumed) {
            Stage::Finished(output) => {
                *out.cast::<Poll<Result<F::Output, JoinError>>>() =
                    Poll::Ready(output);
            }
            _ => panic!("JoinHandle polled after it returned Ready"),
        }
    }
}
// ANCHOR_END: read_output

/// The `JoinHandle` goes away: drop the output if the task completed, or
/// the stored waker if it did not; then give back the handle's reference.
///
/// # Safety
///
/// Called once, by the task's `JoinHandle`.
unsafe fn drop_handle<F, S>(ptr: NonNull<Header>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let previous = header(ptr).state.drop_handle();
    let mut panic = None;
    if previous.is(COMPLETED) {
        // SAFETY: COMPLETED seen with HANDLE still set: the output is the
        // handle's, even if it was never read.
        panic = unsafe { set_stage::<F, S>(ptr, Stage::Consumed) }.err();
    } else if previous.is(JOIN_WAKER) {
        // `drop_handle` cleared JOIN_WAKER: the waker is ours again.
        // SAFETY: as said; the handle's reference keeps the block alive.
        drop(unsafe { (*(*cell::<F, S>(ptr)).join_waker.get()).take() });
    }
    // The handle's reference, given back after its last access.
    // SAFETY: the handle's reference is ours to give back.
    drop(unsafe { TaskRef::from_raw(ptr) });
    if let Some(panic) = panic {
        // The output's destructor panicked: the panic belongs to whoever
        // dropped the handle.
        panic::resume_unwind(panic);
    }
}

/// The runtime shuts down: drop the future of a task that has not
/// completed, and complete it as cancelled.
///
/// # Safety
///
/// The caller holds a reference, on the executor's thread, and the task
/// is not being polled.
unsafe fn shut_down<F, S>(ptr: NonNull<Header>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    if header(ptr).state.shut_down() {
        // SAFETY: `shut_down` set RUNNING, which gives us the stage.
        unsafe {
            cancel::<F, S>(ptr);
            finish::<F, S>(ptr);
        }
    }
}

/// Frees the block.
///
/// # Safety
///
/// The last reference is gone: nobody else can reach the block.
unsafe fn dealloc<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: `ptr` came from `Box::leak` of exactly this type (the vtable
    // is this type's), and we are the only ones left.
    drop(unsafe { Box::from_raw(cell::<F, S>(ptr)) });
}
