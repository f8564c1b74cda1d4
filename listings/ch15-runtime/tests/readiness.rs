//! The reactor's data structures, one step at a time and without the
//! kernel: the readiness word and the waker cell. (Threads racing on them
//! are loom's job: `tests/loom.rs`.) These run under Miri too.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Wake, Waker};

use ch15_runtime::reactor::readiness::*;
use ch15_runtime::reactor::waker_cell::WakerCell;

/// A waker that counts its wakes.
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting() -> (Arc<Count>, Waker) {
    let count = Arc::new(Count(AtomicUsize::new(0)));
    (Arc::clone(&count), Waker::from(count))
}

fn wakes(count: &Count) -> usize {
    count.0.load(Ordering::SeqCst)
}

#[test]
fn an_event_sets_bits_and_bumps_the_tick() {
    let word = Readiness::new();
    assert_eq!(word.load().ready, 0);
    // The first event brings both bits; it says so.
    assert_eq!(word.set(0, READABLE | WRITABLE), Some(READABLE | WRITABLE));
    let first = word.load();
    assert!(first.is(READABLE) && first.is(WRITABLE));
    // The next brings nothing new, but is taken: its tick moves on.
    assert_eq!(word.set(0, READABLE), Some(0));
    assert_eq!(word.load().tick, first.tick + 1);
}

// ANCHOR: tick_race
#[test]
fn a_clear_with_an_old_tick_keeps_a_newer_event() {
    let word = Readiness::new();
    word.set(0, READABLE);
    // A task reads the word, then its read finds the socket drained...
    let seen = word.load();
    // ...but before it clears, the reactor delivers new data.
    word.set(0, READABLE);
    assert!(!word.clear(seen, READ), "the clear must be refused");
    assert!(word.load().is(READABLE), "the new data is still reported");
    // Cleared with what it sees now, it goes.
    assert!(word.clear(word.load(), READ));
    assert!(!word.load().is(READABLE));
}
// ANCHOR_END: tick_race

#[test]
fn a_short_read_keeps_the_peers_close_and_eagain_clears_it() {
    let word = Readiness::new();
    word.set(0, READABLE | READ_CLOSED);
    // A short read clears only READABLE: the end of stream is still to read.
    word.clear(word.load(), READABLE);
    assert!(word.load().is(READ), "reads must not wait for an event");
    // A read that blocks proves nothing is there: everything goes.
    word.clear(word.load(), READ);
    assert!(!word.load().is(READ));
}

#[test]
fn a_clear_leaves_the_other_direction_alone() {
    let word = Readiness::new();
    word.set(0, READABLE | WRITABLE);
    word.clear(word.load(), WRITE);
    assert!(word.load().is(READABLE) && !word.load().is(WRITABLE));
}

#[test]
fn a_released_slot_refuses_events_of_its_old_generation() {
    let word = Readiness::new();
    word.set(0, READABLE);
    assert_eq!(word.release(), 1);
    assert_eq!(word.load().ready, 0, "a new registration starts empty");
    assert!(
        word.set(0, READABLE).is_none(),
        "an event for the old socket"
    );
    assert_eq!(word.load().ready, 0);
    assert!(word.set(1, WRITABLE).is_some(), "an event for the new one");
    // A snapshot of the old registration cannot clear the new one's.
    let mut old = word.load();
    old.generation = 0;
    assert!(!word.clear(old, WRITE));
}

#[test]
fn the_tick_wraps_inside_its_bits() {
    let word = Readiness::new();
    for _ in 0..(1 << 24) + 3 {
        word.set(0, READABLE);
        if cfg!(miri) {
            break; // 16 million steps is too many to interpret
        }
    }
    let now = word.load();
    assert_eq!(now.generation, 0, "the tick never spills into it");
    assert!(now.is(READABLE));
}

// ANCHOR: waker_cell
#[test]
fn the_same_task_waiting_again_stores_no_new_waker() {
    let cell = WakerCell::new();
    let (count, waker) = counting();
    assert!(cell.register(&waker), "the first wait clones");
    cell.wake();
    assert_eq!(wakes(&count), 1);
    // The wake kept the waker: the next wait of the same task finds it.
    assert!(!cell.register(&waker.clone()), "no clone the second time");
    cell.wake();
    assert_eq!(wakes(&count), 2);
    // The cell holds one reference: `count`, `waker` and the cell's.
    assert_eq!(Arc::strong_count(&count), 3);
}
// ANCHOR_END: waker_cell

#[test]
fn another_task_replaces_the_waker() {
    let cell = WakerCell::new();
    let (a, waker_a) = counting();
    let (b, waker_b) = counting();
    cell.register(&waker_a);
    assert!(cell.register(&waker_b));
    cell.wake();
    assert_eq!((wakes(&a), wakes(&b)), (0, 1));
    assert_eq!(Arc::strong_count(&a), 2, "a's waker was dropped");
}

#[test]
fn a_take_during_a_wake_leaves_the_waker_for_later() {
    // A waker that drops the registration it was woken through: the cell's
    // `take` must not wait for the wake that is calling it.
    struct DropsItsSlot(std::sync::Mutex<Option<Arc<WakerCell>>>);
    impl Wake for DropsItsSlot {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            if let Some(cell) = self.0.lock().unwrap().take() {
                assert!(cell.take().is_none(), "the wake holds the waker");
            }
        }
    }
    let cell = Arc::new(WakerCell::new());
    let waker = Arc::new(DropsItsSlot(std::sync::Mutex::new(None)));
    cell.register(&Waker::from(Arc::clone(&waker)));
    *waker.0.lock().unwrap() = Some(Arc::clone(&cell));
    cell.wake(); // returns: no deadlock
    assert!(cell.take().is_some(), "taken once the wake is over");
}

#[test]
fn take_empties_the_cell() {
    let cell = WakerCell::new();
    let (count, waker) = counting();
    cell.register(&waker);
    drop(cell.take());
    assert_eq!(Arc::strong_count(&count), 2);
    cell.wake();
    assert_eq!(wakes(&count), 0);
    assert!(cell.take().is_none());
}

#[test]
fn wakes_and_registrations_from_two_threads_lose_nothing() {
    let rounds = if cfg!(miri) { 50 } else { 20_000 };
    let cell = Arc::new(WakerCell::new());
    let word = Arc::new(Readiness::new());
    let (count, waker) = counting();
    let reactor = {
        let (cell, word) = (Arc::clone(&cell), Arc::clone(&word));
        std::thread::spawn(move || {
            for _ in 0..rounds {
                word.set(0, READABLE);
                cell.wake();
            }
        })
    };
    // The task: use up what it saw, and wait the way `poll_ready` does.
    let mut pending_since = None; // wakes counted before the last Pending
    for _ in 0..rounds {
        word.clear(word.load(), READ);
        pending_since = None;
        if !word.load().is(READ) {
            let before = wakes(&count);
            cell.register(&waker);
            if !word.load().is(READ) {
                pending_since = Some(before);
            }
        }
    }
    reactor.join().unwrap();
    // If the last look said Pending and an event came after it, that event
    // woke the task: no wake fell between the look and the registration.
    if let Some(before) = pending_since
        && word.load().is(READ)
    {
        assert!(wakes(&count) > before, "the last event's wake was lost");
    }
}
