//! loom runs each model below many times, once for every interleaving of
//! its threads' atomic operations that can matter, and checks that none
//! loses a wake, races on a waker's slot, or frees a task twice. Run with
//! `RUSTFLAGS="--cfg loom" cargo test --release -p ch15-runtime --test
//! loom` (`cargo xtask test --only loom` does).
//!
//! The files under test are compiled here a second time, against loom's
//! atomics: their `crate::sync` is the module below. Chapter 11's models
//! of the task state word come first, unchanged; the reactor's follow.
#![cfg(loom)]

mod sync {
    pub use loom::cell::UnsafeCell;
    pub use loom::sync::atomic::{AtomicUsize, Ordering};
}

// Each model uses a part of these files; the rest is unused here.
#[allow(dead_code)]
#[path = "../src/reactor/readiness.rs"]
mod readiness;
#[allow(dead_code)]
#[path = "../src/task/state.rs"]
mod state;
#[allow(dead_code)]
#[path = "../src/reactor/waker_cell.rs"]
mod waker_cell;

use std::task::{Wake, Waker};

use loom::cell::UnsafeCell;
use loom::sync::atomic::AtomicUsize;
use loom::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use loom::sync::{Arc, Mutex};
use loom::thread;

use readiness::{READ, READABLE, Readiness};
use state::*;
use waker_cell::WakerCell;

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

// ANCHOR: tick_race
/// A task uses up the readiness it saw (its read found the socket
/// drained) while the reactor delivers new data. Whatever the order, the
/// readiness is cleared only if the read saw that data too: otherwise the
/// data would sit in the socket with nothing to report it, for good.
#[test]
fn a_clear_never_erases_an_event_the_read_did_not_see() {
    loom::model(|| {
        let word = Arc::new(Readiness::new());
        let data = Arc::new(AtomicUsize::new(1)); // bytes that have arrived
        word.set(0, READABLE); // the event for the first byte
        let reactor = {
            let (word, data) = (Arc::clone(&word), Arc::clone(&data));
            thread::spawn(move || {
                data.store(2, Release); // a second byte arrives...
                word.set(0, READABLE); // ...and epoll reports it
            })
        };
        // The task: look, read everything there is, clear what it saw.
        let seen = word.load();
        let read = data.load(Acquire);
        word.clear(seen, READ);
        reactor.join().unwrap();
        assert!(
            word.load().is(READABLE) || read == 2,
            "readiness cleared, but the read saw only {read} of 2 bytes"
        );
    });
}
// ANCHOR_END: tick_race

/// Counts the wakes of a waker (plain std atomics: loom need not explore
/// the counter, only what decides whether it is called).
struct Count(std::sync::atomic::AtomicUsize);

impl Wake for Count {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

// ANCHOR: lost_io_wake
/// A task waits the way `poll_ready` does (look, leave the waker, look
/// again) while the reactor delivers an event and wakes. Whatever the
/// interleaving, the task either sees the readiness or is woken.
#[test]
fn a_wake_racing_a_registration_is_never_lost() {
    loom::model(|| {
        let word = Arc::new(Readiness::new());
        let cell = Arc::new(WakerCell::new());
        let count = std::sync::Arc::new(Count(Default::default()));
        let waker = Waker::from(std::sync::Arc::clone(&count));
        let reactor = {
            let (word, cell) = (Arc::clone(&word), Arc::clone(&cell));
            thread::spawn(move || {
                word.set(0, READABLE);
                cell.wake();
            })
        };
        let ready = word.load().is(READ) || {
            cell.register(&waker);
            word.load().is(READ)
        };
        reactor.join().unwrap();
        let woken = count.0.load(std::sync::atomic::Ordering::SeqCst) > 0;
        assert!(ready || woken, "Pending, and never woken");
    });
}
// ANCHOR_END: lost_io_wake

/// Two tasks in turn (the second replaces the first's waker) while the
/// reactor wakes: loom checks that the cell is never touched by both
/// sides at once, and that the second task hears the wake.
#[test]
fn a_waker_replaced_during_a_wake_is_still_woken() {
    loom::model(|| {
        let cell = Arc::new(WakerCell::new());
        let first = std::sync::Arc::new(Count(Default::default()));
        let second = std::sync::Arc::new(Count(Default::default()));
        cell.register(&Waker::from(std::sync::Arc::clone(&first)));
        let reactor = {
            let cell = Arc::clone(&cell);
            thread::spawn(move || cell.wake())
        };
        cell.register(&Waker::from(std::sync::Arc::clone(&second)));
        reactor.join().unwrap();
        let wakes = |c: &Count| c.0.load(std::sync::atomic::Ordering::SeqCst);
        // The wake ran before the replacement (the first task heard it) or
        // after or during it (the second did).
        assert!(wakes(&first) + wakes(&second) >= 1);
        drop(cell.take());
    });
}

// ANCHOR: no_news
/// The reactor wakes a direction only when an event sets a bit that was
/// clear. Here a task reads one byte, clears what it saw and waits, while
/// a second byte arrives and is reported: whatever the interleaving, the
/// task read both bytes, still sees the readiness, or is woken. (Deciding
/// "news" from a load before the event's compare-and-swap, instead of from
/// the word that swap replaced, fails here: the task clears in between.)
#[test]
fn an_event_without_news_never_strands_a_waiter() {
    loom::model(|| {
        let word = Arc::new(Readiness::new());
        let cell = Arc::new(WakerCell::new());
        let data = Arc::new(AtomicUsize::new(1));
        let count = std::sync::Arc::new(Count(Default::default()));
        let waker = Waker::from(std::sync::Arc::clone(&count));
        word.set(0, READABLE); // the first byte's event
        let reactor = {
            let (word, cell) = (Arc::clone(&word), Arc::clone(&cell));
            let data = Arc::clone(&data);
            thread::spawn(move || {
                data.store(2, Release);
                let news = word.set(0, READABLE).unwrap_or(0);
                if news & READ != 0 {
                    cell.wake();
                }
            })
        };
        // The task: read, clear what it saw, then wait as `poll_ready`
        // does.
        let seen = word.load();
        let read = data.load(Acquire);
        word.clear(seen, READ);
        let ready = word.load().is(READ) || {
            cell.register(&waker);
            word.load().is(READ)
        };
        reactor.join().unwrap();
        let woken = count.0.load(std::sync::atomic::Ordering::SeqCst) > 0;
        assert!(
            read == 2 || ready || woken,
            "the second byte waits, and nobody will say so"
        );
        drop(cell.take());
    });
}
// ANCHOR_END: no_news
