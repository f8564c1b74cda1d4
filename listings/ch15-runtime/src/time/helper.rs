//! Timers before the reactor exists: `sleep`, driven by one helper thread
//! per runtime that keeps every deadline in a heap, sleeps on a condition
//! variable until the earliest, and wakes the wakers whose time has come.
//! One thread for ten thousand timers, not ten thousand threads.
//!
//! Each sleeping future registers an entry in a slab and a deadline in the
//! heap. A future dropped before its deadline removes its entry (and the
//! waker in it) at once, but leaves its deadline in the heap: the key of a
//! slab entry is its index plus a generation, so when that deadline comes
//! and the index has been reused by another timer, the thread sees the
//! generation differ and leaves the new timer alone.
//!
//! Chapter 13 moves timers into the event loop, where the nearest deadline
//! becomes the timeout of `epoll_wait`, and the thread disappears.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

// ANCHOR: state
/// A runtime's timers; dropping it stops the thread.
pub struct Timer {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    /// Signalled when the earliest deadline changes, or at shutdown.
    changed: Condvar,
    threads_started: AtomicU64,
}

#[derive(Default)]
struct State {
    /// Every registered deadline, earliest first (stale ones included).
    deadlines: BinaryHeap<Reverse<(Instant, Key)>>,
    entries: Vec<Slot>,
    free: Vec<usize>,
    /// The helper thread, once the first timer has started it.
    thread: Option<JoinHandle<()>>,
    shutdown: bool,
}

/// A slab index and the generation of the entry it named.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    index: usize,
    generation: u64,
}

#[derive(Default)]
struct Slot {
    /// Bumped each time the slot is given to a new timer.
    generation: u64,
    entry: Option<Entry>,
}

struct Entry {
    fired: bool,
    waker: Option<Waker>,
}
// ANCHOR_END: state

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // Nothing below panics half-way through a change of the state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    fn entry(&mut self, key: Key) -> Option<&mut Entry> {
        let slot = self.entries.get_mut(key.index)?;
        if slot.generation != key.generation {
            return None;
        }
        slot.entry.as_mut()
    }

    fn insert(&mut self, entry: Entry) -> Key {
        let index = self.free.pop().unwrap_or_else(|| {
            self.entries.push(Slot::default());
            self.entries.len() - 1
        });
        let slot = &mut self.entries[index];
        slot.generation += 1;
        slot.entry = Some(entry);
        Key {
            index,
            generation: slot.generation,
        }
    }

    fn remove(&mut self, key: Key) -> Option<Entry> {
        let slot = self.entries.get_mut(key.index)?;
        if slot.generation != key.generation {
            return None;
        }
        let entry = slot.entry.take();
        if entry.is_some() {
            self.free.push(key.index);
        }
        entry
    }
}

thread_local! {
    /// The timer of the runtime running on this thread.
    static CURRENT: RefCell<Option<Arc<Shared>>> = const { RefCell::new(None) };
}

/// Makes a timer current on this thread until dropped.
pub struct Enter {
    previous: Option<Arc<Shared>>,
}

impl Drop for Enter {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|current| *current.borrow_mut() = previous);
    }
}

impl Timer {
    pub fn new() -> Timer {
        Timer {
            shared: Arc::new(Shared {
                state: Mutex::new(State::default()),
                changed: Condvar::new(),
                threads_started: AtomicU64::new(0),
            }),
        }
    }

    /// Makes this the timer that `sleep` uses on this thread.
    pub fn enter(&self) -> Enter {
        let shared = Some(Arc::clone(&self.shared));
        let previous = CURRENT.with(|current| current.replace(shared));
        Enter { previous }
    }

    /// How many helper threads this timer started: 0 or 1.
    pub fn threads_started(&self) -> u64 {
        self.shared.threads_started.load(Ordering::Relaxed)
    }
}

impl Default for Timer {
    fn default() -> Timer {
        Timer::new()
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        let thread = {
            let mut state = self.shared.state();
            state.shutdown = true;
            state.thread.take()
        };
        self.shared.changed.notify_all();
        if let Some(thread) = thread {
            // The thread only waits and wakes; it has no panic to pass on.
            let _ = thread.join();
        }
    }
}

// ANCHOR: thread
/// The helper thread: sleeps until the earliest deadline (or a change),
/// fires every timer that is due, and wakes their tasks outside the lock.
fn run(shared: Arc<Shared>) {
    let mut due = Vec::new();
    let mut state = shared.state();
    while !state.shutdown {
        let now = Instant::now();
        while let Some(&Reverse((deadline, key))) = state.deadlines.peek() {
            if deadline > now {
                break;
            }
            state.deadlines.pop();
            // A stale key (its timer was dropped) finds no entry.
            if let Some(entry) = state.entry(key) {
                entry.fired = true;
                due.extend(entry.waker.take());
            }
        }
        if !due.is_empty() {
            drop(state);
            // A waker runs its executor's code: never under our lock.
            for waker in due.drain(..) {
                waker.wake();
            }
            state = shared.state();
            continue;
        }
        // Condition variables may wake spuriously, and a new earlier
        // deadline wakes us on purpose: either way, the loop looks again.
        state = match state.deadlines.peek() {
            Some(&Reverse((deadline, _))) => {
                let timeout = deadline.saturating_duration_since(now);
                shared
                    .changed
                    .wait_timeout(state, timeout)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
            None => shared
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner),
        };
    }
}
// ANCHOR_END: thread

// ANCHOR: sleep
/// A future that is ready once `duration` has passed (counted from the
/// call, like `tokio::time::sleep`).
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(Instant::now() + duration)
}

/// A future that is ready at `deadline`.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        registration: None,
    }
}

pub struct Sleep {
    deadline: Instant,
    /// The timer and the key of our entry, once registered.
    registration: Option<(Arc<Shared>, Key)>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let deadline = self.deadline;
        let Some((shared, key)) = &self.registration else {
            if Instant::now() >= deadline {
                return Poll::Ready(());
            }
            let shared = CURRENT.with(|current| current.borrow().clone());
            let Some(shared) = shared else {
                panic!("`sleep` polled outside a runtime");
            };
            let key = register(&shared, deadline, cx.waker());
            self.registration = Some((shared, key));
            return Poll::Pending;
        };
        // Look and store the waker under one lock: the thread fires under
        // the same lock, so no wake can fall in between.
        let mut state = shared.state();
        let Some(entry) = state.entry(*key) else {
            unreachable!("an entry lives as long as its Sleep");
        };
        if entry.fired {
            state.remove(*key);
            drop(state);
            // Unregistered, and past the deadline: ready for good.
            self.registration = None;
            return Poll::Ready(());
        }
        match &mut entry.waker {
            Some(stored) if stored.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

/// Adds a timer; starts the thread with the first one, and wakes it when
/// this deadline comes before every other.
fn register(shared: &Arc<Shared>, deadline: Instant, waker: &Waker) -> Key {
    let mut state = shared.state();
    assert!(
        !state.shutdown,
        "`sleep` polled after its runtime shut down"
    );
    let key = state.insert(Entry {
        fired: false,
        waker: Some(waker.clone()),
    });
    let earliest = state
        .deadlines
        .peek()
        .is_none_or(|Reverse((first, _))| deadline < *first);
    state.deadlines.push(Reverse((deadline, key)));
    if state.thread.is_none() {
        let timer = Arc::clone(shared);
        let thread = thread::Builder::new()
            .name("timer".into())
            .spawn(move || run(timer))
            .expect("cannot start the timer thread");
        state.thread = Some(thread);
        shared.threads_started.fetch_add(1, Ordering::Relaxed);
    } else if earliest {
        shared.changed.notify_one();
    }
    key
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some((shared, key)) = self.registration.take() {
            // Drop the waker now; the deadline in the heap goes stale.
            let entry = shared.state().remove(key);
            drop(entry);
        }
    }
}
// ANCHOR_END: sleep
