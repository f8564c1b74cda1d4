//! The task's waker. Its data pointer is the task's header; its vtable is
//! one `static` for every task of every type, so `Waker::will_wake`
//! recognises two wakers of the same task by comparing two pointers. What
//! depends on the future's type (how to queue the task, how to free it) is
//! found through the header's own vtable.

use std::ptr::{self, NonNull};
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::header::Header;
use super::state::{Wake, WakeByVal};

// ANCHOR: vtable
static VTABLE: RawWakerVTable =
    RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// The header a waker's data pointer points to.
fn task(data: *const ()) -> NonNull<Header> {
    // SAFETY: our wakers are only ever made from a task's non-null header
    // pointer (`borrowed`, `clone`), and keep its provenance.
    unsafe { NonNull::new_unchecked(data.cast::<Header>().cast_mut()) }
}

fn header<'a>(data: *const ()) -> &'a Header {
    // SAFETY: a live waker owns a reference (or, lent to a poll, the queue
    // entry's keeps the task alive), so the header is there.
    unsafe { task(data).as_ref() }
}

unsafe fn clone(data: *const ()) -> RawWaker {
    header(data).state.ref_inc();
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    let header = header(data);
    match header.state.wake_by_val() {
        WakeByVal::Nothing => {}
        // SAFETY (both): the state word gave this waker's reference to
        // the queue entry, or said it was the last one.
        WakeByVal::Submit => unsafe { (header.vtable.schedule)(task(data)) },
        WakeByVal::Dealloc => unsafe { (header.vtable.dealloc)(task(data)) },
    }
}

unsafe fn wake_by_ref(data: *const ()) {
    let header = header(data);
    if header.state.wake_by_ref() == Wake::Submit {
        // SAFETY: the state word took a new reference for the queue entry.
        unsafe { (header.vtable.schedule)(task(data)) }
    }
}

unsafe fn drop_waker(data: *const ()) {
    let header = header(data);
    if header.state.ref_dec(1) {
        // SAFETY: that was the last reference.
        unsafe { (header.vtable.dealloc)(task(data)) }
    }
}
// ANCHOR_END: vtable

/// A waker for the task at `ptr` that owns no reference: wrap it in
/// `ManuallyDrop` and lend it out while something else keeps the task
/// alive. Clones of it own a reference each, as usual.
///
/// # Safety
///
/// `ptr` is a live task, and the waker is never dropped.
pub unsafe fn borrowed(ptr: NonNull<Header>) -> Waker {
    let raw = RawWaker::new(ptr.as_ptr().cast::<()>().cast_const(), &VTABLE);
    // SAFETY: the vtable's functions keep the `RawWaker` contract, and
    // are safe to call from any thread (they touch only the atomic state
    // word and the `Send + Sync` scheduler).
    unsafe { Waker::from_raw(raw) }
}

/// How many references the task behind `waker` counts, if it is one of
/// ours.
pub fn references(waker: &Waker) -> Option<usize> {
    ptr::eq(waker.vtable(), &VTABLE)
        .then(|| header(waker.data()).state.load().refs())
}
