//! A `Waker` built by hand from a `RawWaker` and a `RawWakerVTable`.
//!
//! The waker points at an `Arc<WakeCount>`: each live `Waker` owns one of
//! the `Arc`'s strong references, and the four vtable functions keep that
//! bookkeeping exact. `clone` adds a reference, `wake` uses one up,
//! `wake_by_ref` leaves the count alone and `drop` gives one back. The
//! tests in `tests/refcount.rs` check the count after each of them, under
//! Miri too.

use std::sync::Arc;
use std::task::{RawWaker, RawWakerVTable, Waker};

use crate::count::WakeCount;

// ANCHOR: waker
/// A waker that owns one strong reference of `count`.
pub fn waker(count: Arc<WakeCount>) -> Waker {
    // The reference `count` holds moves into the waker: `into_raw` does not
    // touch the count, it only stops `Arc` from giving the reference back.
    let data = Arc::into_raw(count).cast::<()>();
    // SAFETY: `data` comes from `Arc::into_raw` of an `Arc<WakeCount>` and
    // carries one strong reference, which the new waker owns; `VTABLE`'s
    // four functions keep the contract of `RawWakerVTable` for such a
    // pointer (see each one's comment).
    unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) }
}

/// One vtable for every waker of this kind. A `static` has one address, so
/// `Waker::will_wake`, which compares the data pointer and the vtable's
/// address, recognises two of our wakers for the same counter.
static VTABLE: RawWakerVTable =
    RawWakerVTable::new(clone_raw, wake_raw, wake_by_ref_raw, drop_raw);
// ANCHOR_END: waker

// Every function below receives the `data` pointer of a live waker made by
// `waker` or `clone_raw`: a pointer from `Arc::into_raw` of an
// `Arc<WakeCount>`, together with the strong reference that waker owns.

// ANCHOR: vtable
/// `Waker::clone`: the new waker needs a reference of its own.
unsafe fn clone_raw(data: *const ()) -> RawWaker {
    // SAFETY: the waker being cloned is alive and owns a reference, so the
    // allocation is too; `increment_strong_count` adds the reference the
    // clone will own (and aborts the process if the count would overflow).
    unsafe { Arc::increment_strong_count(data.cast::<WakeCount>()) };
    RawWaker::new(data, &VTABLE)
}

/// `Waker::wake(self)`: wake, then give back the consumed waker's reference.
unsafe fn wake_raw(data: *const ()) {
    // SAFETY: the consumed waker's reference moves into this `Arc`, which
    // gives it back when it goes out of scope at the end of this function.
    let count = unsafe { Arc::from_raw(data.cast::<WakeCount>()) };
    count.record_wake();
}

/// `Waker::wake_by_ref(&self)`: wake, and leave the count alone.
unsafe fn wake_by_ref_raw(data: *const ()) {
    // SAFETY: the waker is borrowed for the duration of this call and owns
    // a reference, so the `WakeCount` outlives this shared borrow.
    let count = unsafe { &*data.cast::<WakeCount>() };
    count.record_wake();
}

/// `drop(waker)`: give back the dropped waker's reference.
unsafe fn drop_raw(data: *const ()) {
    // SAFETY: the dropped waker owned one reference and is never used
    // again; this gives that reference back (and frees the `WakeCount` if
    // it was the last).
    unsafe { Arc::decrement_strong_count(data.cast::<WakeCount>()) };
}
// ANCHOR_END: vtable
