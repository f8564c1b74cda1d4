//! A controlled interleaving, for showing and testing lost wakeups without
//! relying on timing luck.
//!
//! A lost wakeup needs another thread to act in a gap a few instructions
//! wide: after a future has looked at its event source and before it has
//! left its waker there. Waiting for the scheduler to preempt it at exactly
//! that point could take millions of tries. But in that gap the future
//! clones its waker, and a waker's `clone` is code we write. So
//! [`poll_with_gap`] polls a future once with a waker whose first `clone`
//! lets another thread run its action to completion, waiting for it over
//! channels (with a timeout, so that nothing can hang), before the clone
//! returns. To the future, that looks exactly like being preempted in the
//! gap while the other thread ran.
//!
//! The waker is hand-made like [`crate::raw`]'s, with its own vtable: the
//! same four functions, plus the pause in `clone`.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::thread;
use std::time::Duration;

/// How long either side waits for the other before giving up.
const LIMIT: Duration = Duration::from_secs(10);

/// Where the other thread's action ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RanAt {
    /// Inside the future's first clone of the waker, during the poll.
    InsideClone,
    /// After the poll returned (the future never cloned the waker).
    AfterPoll,
}

/// What one poll with a gap showed.
#[derive(Debug)]
pub struct GapRun<T> {
    /// What the poll returned.
    pub poll: Poll<T>,
    /// When the other thread's action ran.
    pub ran_at: RanAt,
    /// Wakes the future's task received, counted after the other thread's
    /// action had finished: nothing else will wake it after this.
    pub wakes: usize,
}

/// The data behind the gap waker.
struct Gap {
    /// Taken by the first clone: tells the other thread to act.
    go: Mutex<Option<Sender<()>>>,
    /// Hears from the other thread once its action is done.
    done: Mutex<Receiver<()>>,
    /// The other thread did not answer within `LIMIT`.
    gave_up: AtomicBool,
    wakes: AtomicUsize,
}

impl Gap {
    /// Lets the other thread act and waits until it has, the first time
    /// only; returns whether this call was the first.
    fn let_other_run(&self) -> bool {
        let go = self
            .go
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some(go) = go else {
            return false;
        };
        let done = self.done.lock().unwrap_or_else(PoisonError::into_inner);
        let answered = go.send(()).is_ok() && done.recv_timeout(LIMIT).is_ok();
        if !answered {
            self.gave_up.store(true, Ordering::Release);
        }
        true
    }
}

/// Polls `future` once; when it first clones the waker, `action` runs to
/// completion on a thread named `sender` before the clone returns. A future
/// that never clones the waker sees `action` run after its poll.
///
/// # Panics
///
/// If the thread cannot be spawned, if `action` panics, or if `action` does
/// not finish within ten seconds (a future that clones its waker while
/// holding a lock that `action` needs would make it wait forever). This is
/// a test bench: failing loudly is its way of reporting.
pub fn poll_with_gap<F: Future + ?Sized>(
    future: Pin<&mut F>,
    action: impl FnOnce() + Send + 'static,
) -> GapRun<F::Output> {
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let other = thread::Builder::new()
        .name("sender".into())
        .spawn(move || {
            // No go in time means the poll is stuck: then do nothing.
            if go_rx.recv_timeout(LIMIT).is_ok() {
                action();
                let _ = done_tx.send(());
            }
        })
        .expect("spawn the sender thread");
    let gap = Arc::new(Gap {
        go: Mutex::new(Some(go_tx)),
        done: Mutex::new(done_rx),
        gave_up: AtomicBool::new(false),
        wakes: AtomicUsize::new(0),
    });
    let waker = gap_waker(Arc::clone(&gap));
    let poll = future.poll(&mut Context::from_waker(&waker));
    // If the poll never cloned the waker, the action runs now, after it.
    let ran_at = if gap.let_other_run() {
        RanAt::AfterPoll
    } else {
        RanAt::InsideClone
    };
    if gap.gave_up.load(Ordering::Acquire) {
        panic!("the sender thread did not act within {LIMIT:?}");
    }
    other.join().expect("the sender's action panicked");
    GapRun {
        poll,
        ran_at,
        wakes: gap.wakes.load(Ordering::Acquire),
    }
}

fn gap_waker(gap: Arc<Gap>) -> Waker {
    let data = Arc::into_raw(gap).cast::<()>();
    // SAFETY: `data` comes from `Arc::into_raw` of an `Arc<Gap>` and carries
    // one strong reference, which the new waker owns; the functions of
    // `GAP_VTABLE` keep `RawWakerVTable`'s contract for such a pointer.
    unsafe { Waker::from_raw(RawWaker::new(data, &GAP_VTABLE)) }
}

static GAP_VTABLE: RawWakerVTable =
    RawWakerVTable::new(clone_gap, wake_gap, wake_by_ref_gap, drop_gap);

// As in `raw`: each function gets the `data` of a live waker, a pointer from
// `Arc::into_raw` of an `Arc<Gap>` with the strong reference that waker owns.

unsafe fn clone_gap(data: *const ()) -> RawWaker {
    // SAFETY: the waker being cloned is alive and owns a reference, so the
    // `Gap` outlives this shared borrow.
    let gap = unsafe { &*data.cast::<Gap>() };
    gap.let_other_run();
    // SAFETY: as above; this adds the reference the clone will own.
    unsafe { Arc::increment_strong_count(data.cast::<Gap>()) };
    RawWaker::new(data, &GAP_VTABLE)
}

unsafe fn wake_gap(data: *const ()) {
    // SAFETY: the consumed waker's reference moves into this `Arc`, which
    // gives it back at the end of this function.
    let gap = unsafe { Arc::from_raw(data.cast::<Gap>()) };
    gap.wakes.fetch_add(1, Ordering::Release);
}

unsafe fn wake_by_ref_gap(data: *const ()) {
    // SAFETY: the borrowed waker owns a reference for the whole call.
    let gap = unsafe { &*data.cast::<Gap>() };
    gap.wakes.fetch_add(1, Ordering::Release);
}

unsafe fn drop_gap(data: *const ()) {
    // SAFETY: the dropped waker owned one reference and is never used again.
    unsafe { Arc::decrement_strong_count(data.cast::<Gap>()) };
}
