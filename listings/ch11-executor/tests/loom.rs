//! loom runs each model below many times, once for every interleaving of
//! its threads' atomic operations that can matter, and checks that none
//! loses a wake, races on the join waker's slot, or frees a task twice.
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release -p ch11-executor
//! --test loom` (`cargo xtask test --only loom` does).
//!
//! The files under test are compiled here a second time, against loom's
//! atomics: their `crate::sync` is the module below.
#![cfg(loom)]

mod sync {
    pub use loom::sync::Arc;
    pub use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    pub use loom::thread;
}

// Each model uses a part of these files; the rest is unused here.
#[allow(dead_code)]
#[path = "../src/parker.rs"]
mod parker;
#[allow(dead_code)]
#[path = "../src/task/state.rs"]
mod state;

use loom::cell::UnsafeCell;
use loom::sync::atomic::AtomicUsize;
use loom::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use loom::sync::{Arc, Mutex};
use loom::thread;

use parker::Parker;
use state::*;

// ANCHOR: parker
/// Whatever the order, `park` returns, and sees what the unparking thread
/// did before it unparked. The news is a plain (non-atomic) cell: loom
/// reports a data race unless the flag orders the write before the read.
#[test]
fn park_returns_after_an_unpark_from_another_thread() {
    loom::model(|| {
        let parker = Parker::new();
        let unparker = parker.unparker();
        let news = Arc::new(UnsafeCell::new(0));
        let writer = Arc::clone(&news);
        let thread = thread::spawn(move || {
            // SAFETY (for loom's checker): only this thread writes.
            writer.with_mut(|news| unsafe { *news = 1 });
            unparker.unpark();
        });
        parker.park();
        // SAFETY (for loom's checker): the write happened before the
        // unpark, which happened before `park` returned.
        assert_eq!(news.with(|news| unsafe { *news }), 1);
        thread.join().unwrap();
    });
}
// ANCHOR_END: parker

// ANCHOR: lost_wake
/// A task is polled while another thread makes its event happen and wakes
/// it (by value, as an event source that took the waker does). Whatever
/// the interleaving, some poll sees the event, and the task is never in
/// the queue twice.
#[test]
fn a_wake_racing_a_poll_is_never_lost() {
    loom::model(|| {
        let state = Arc::new(State::new());
        state.ref_inc(); // the waker that the event source holds
        let event = Arc::new(AtomicUsize::new(0));
        let injected = Arc::new(Mutex::new(0)); // queue entries pushed
        let mut thread = Some({
            let (state, event, injected) = (
                Arc::clone(&state),
                Arc::clone(&event),
                Arc::clone(&injected),
            );
            thread::spawn(move || {
                event.store(1, Release);
                match state.wake_by_val() {
                    WakeByVal::Submit => *injected.lock().unwrap() += 1,
                    WakeByVal::Nothing => {}
                    WakeByVal::Dealloc => {
                        panic!("the runtime holds references")
                    }
                }
            })
        });
        // The executor: it holds the queue entry `State::new` counted.
        let mut queued = 1;
        let mut done = false;
        while !done {
            if queued == 0 {
                // Nothing to run: sleep until the other thread is done
                // (a real executor parks), then take what it queued.
                let Some(thread) = thread.take() else { break };
                thread.join().unwrap();
                queued += std::mem::take(&mut *injected.lock().unwrap());
                continue;
            }
            assert_eq!(queued, 1, "a task is never queued twice");
            queued -= 1;
            assert_eq!(state.start_poll(), Start::Poll);
            if event.load(Acquire) == 1 {
                state.complete();
                done = true;
            } else {
                match state.end_poll() {
                    End::Idle => {}
                    End::Notified => queued += 1,
                    End::Cancel => unreachable!(),
                }
            }
        }
        assert!(done, "the wake was lost: no poll saw the event");
        if let Some(thread) = thread {
            thread.join().unwrap();
        }
    });
}
// ANCHOR_END: lost_wake

/// The `JoinHandle` registers its waker while the executor completes the
/// task. loom checks that the two never touch the slot at once, and that
/// a handle left `Pending` is always woken.
#[test]
fn the_join_waker_is_either_woken_or_the_output_is_seen() {
    loom::model(|| {
        let state = Arc::new(State::new());
        let slot = Arc::new(UnsafeCell::new(None::<u32>));
        let woken = Arc::new(AtomicUsize::new(0));
        let executor = {
            let (state, slot, woken) =
                (Arc::clone(&state), Arc::clone(&slot), Arc::clone(&woken));
            thread::spawn(move || {
                assert_eq!(state.start_poll(), Start::Poll);
                let before = state.complete();
                if before.is(JOIN_WAKER) {
                    // SAFETY (for loom's checker): JOIN_WAKER + COMPLETED.
                    let waker = slot.with(|slot| unsafe { *slot });
                    assert_eq!(waker, Some(7));
                    woken.store(1, Release);
                }
            })
        };
        // The handle's poll, as `raw::read_output` does it.
        let ready = if state.load().is(COMPLETED) {
            true
        } else {
            // JOIN_WAKER is clear: the slot is the handle's.
            slot.with_mut(|slot| unsafe { *slot = Some(7) });
            state.set_join_waker().is_err()
        };
        executor.join().unwrap();
        assert!(
            ready || woken.load(Acquire) == 1,
            "a Pending handle was never woken"
        );
    });
}

/// Wakers dropped on two threads while the handle goes away: exactly one
/// of them sees the last reference.
#[test]
fn exactly_one_party_frees_the_task() {
    loom::model(|| {
        let state = Arc::new(State::new());
        assert_eq!(state.start_poll(), Start::Poll);
        assert_eq!(state.end_poll(), End::Idle); // list + handle left
        state.ref_inc(); // a waker, sent to another thread
        let freed = Arc::new(AtomicUsize::new(0));
        let injected = Arc::new(Mutex::new(0)); // queue entries pushed
        let thread = {
            let (state, freed, injected) = (
                Arc::clone(&state),
                Arc::clone(&freed),
                Arc::clone(&injected),
            );
            thread::spawn(move || match state.wake_by_val() {
                WakeByVal::Dealloc => {
                    freed.fetch_add(1, Relaxed);
                }
                WakeByVal::Submit => *injected.lock().unwrap() += 1,
                WakeByVal::Nothing => {}
            })
        };
        // The runtime shuts down: takes the future, completes the task,
        // gives back its list's reference; the handle goes away.
        if state.shut_down() {
            state.complete();
        }
        if state.ref_dec(1) {
            freed.fetch_add(1, Relaxed);
        }
        let before = state.drop_handle();
        assert!(before.is(COMPLETED));
        if state.ref_dec(1) {
            freed.fetch_add(1, Relaxed);
        }
        // The shutdown drains the queue: an entry gives back its reference.
        thread.join().unwrap();
        for _ in 0..std::mem::take(&mut *injected.lock().unwrap()) {
            if state.ref_dec(1) {
                freed.fetch_add(1, Relaxed);
            }
        }
        assert_eq!(freed.load(Relaxed), 1);
    });
}
