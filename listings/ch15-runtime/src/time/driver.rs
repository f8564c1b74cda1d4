//! The time driver: a runtime's timers, kept in the wheel, driven by the
//! runtime's own thread. Before it sleeps in `epoll_wait`, the runtime
//! asks for the nearest deadline and makes it the timeout
//! ([`Timer::park_timeout`]); after every turn of the reactor, it hands
//! out the timers that are due ([`Timer::expire`]). No thread of its own,
//! and a timer's expiry crosses no thread: the wake happens on the thread
//! that will poll the task.
//!
//! Time is counted in ticks of one millisecond since the driver started,
//! as tokio does. A deadline becomes the first tick at or after it
//! (rounded up), and a tick is due once it has begun (rounded down): so
//! a timer can fire late, never early.

use std::cell::RefCell;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Waker;
use std::time::{Duration, Instant};

use super::queue::{Key, TimerQueue};
use super::wheel::Wheel;
use crate::trace::{self, Actor};

// ANCHOR: types
/// The structure that keeps the deadlines: the chapter measured both and
/// chose the wheel (see `timer-costs`).
pub type Queue<T> = Wheel<T>;

/// The length of a tick.
pub const TICK: Duration = Duration::from_millis(1);

/// A runtime's timers, owned by the runtime. Dropping it shuts the timers
/// down: every waiting task is woken, and its `Sleep` panics when polled.
pub struct Timer {
    handle: Handle,
}

/// What a `Sleep` keeps to reach its timer, from any thread.
#[derive(Clone)]
pub struct Handle {
    shared: Arc<Shared>,
}

struct Shared {
    inner: Mutex<Inner>,
    /// Tick 0.
    origin: Instant,
    /// Wakes the runtime's thread when it sleeps in `epoll_wait`.
    unpark: Box<dyn Fn() + Send + Sync>,
}

struct Inner {
    queue: Queue<Waker>,
    /// The tick the runtime's thread sleeps until, while it sleeps: a new
    /// deadline before it must wake the thread, or it would fire late.
    parked_until: Option<u64>,
    shut_down: bool,
    stats: Stats,
}

/// What a timer has done, for tests and curious readers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Timers waiting: registered, neither fired nor removed.
    pub pending: usize,
    /// Timers registered so far.
    pub inserted: u64,
    /// Timers that fired: their task was woken by the driver.
    pub fired: u64,
    /// Timers removed before they fired (a dropped or reset `Sleep`).
    pub removed: u64,
    /// Runtime sleeps that had a timer's deadline as their timeout.
    pub timed_parks: u64,
}
// ANCHOR_END: types

thread_local! {
    /// The timer of the runtime running on this thread.
    static CURRENT: RefCell<Option<Handle>> = const { RefCell::new(None) };
}

/// Makes a timer current on this thread until dropped.
pub struct Enter {
    previous: Option<Handle>,
}

impl Drop for Enter {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|current| *current.borrow_mut() = previous);
    }
}

/// The timer of the runtime running on this thread, if any.
pub fn current() -> Option<Handle> {
    CURRENT.with(|current| current.borrow().clone())
}

/// The figures of the timer of the runtime running on this thread.
pub fn stats() -> Option<Stats> {
    current().map(|handle| handle.stats())
}

impl Timer {
    /// A timer whose `unpark` wakes the thread that drives it (the
    /// reactor's `notify`); it is called only when a deadline is set from
    /// elsewhere while that thread sleeps for a later one.
    pub fn new(unpark: impl Fn() + Send + Sync + 'static) -> Timer {
        Timer {
            handle: Handle {
                shared: Arc::new(Shared {
                    inner: Mutex::new(Inner {
                        queue: Queue::new(),
                        parked_until: None,
                        shut_down: false,
                        stats: Stats::default(),
                    }),
                    origin: Instant::now(),
                    unpark: Box::new(unpark),
                }),
            },
        }
    }

    /// Makes this the timer that `sleep` uses on this thread.
    pub fn enter(&self) -> Enter {
        let handle = Some(self.handle.clone());
        let previous = CURRENT.with(|current| current.replace(handle));
        Enter { previous }
    }

    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Helper threads started: none, ever. (Chapter 11's timer started
    /// one; the runtime's metrics still count them.)
    pub fn threads_started(&self) -> u64 {
        0
    }

    // ANCHOR: park_timeout
    /// The runtime is about to sleep: how long it may, at most. `None`
    /// when no timer is pending (sleep until an event comes). From now
    /// until [`expire`](Timer::expire), a new earlier deadline wakes it.
    pub fn park_timeout(&self) -> Option<Duration> {
        let shared = &self.handle.shared;
        let mut inner = shared.lock();
        let Some(next) = inner.queue.next_expiration() else {
            // Chapter 15: asleep until an event. A deadline set meanwhile
            // by another thread (another worker, `block_on`'s thread) must
            // wake the sleeper, or it would wait for an event that may
            // never come.
            inner.parked_until = Some(u64::MAX);
            return None;
        };
        inner.parked_until = Some(next);
        inner.stats.timed_parks += 1;
        drop(inner);
        let at = shared.instant(next)?;
        Some(at.saturating_duration_since(Instant::now()))
    }
    // ANCHOR_END: park_timeout

    // ANCHOR: expire
    /// After a turn of the reactor: every timer whose tick has begun
    /// fires, earliest first, and its task is woken, here, on the
    /// runtime's thread. Returns how many fired.
    pub fn expire(&self) -> usize {
        let shared = &self.handle.shared;
        let now = shared.now();
        let mut due = Vec::new();
        {
            let mut inner = shared.lock();
            inner.parked_until = None;
            while let Some(waker) = inner.queue.poll(now) {
                due.push(waker);
            }
            inner.stats.fired += due.len() as u64;
        }
        // Wakers run the executor's code: never under our lock.
        let fired = due.len();
        if fired > 0 {
            let previous = trace::set_actor(Some(Actor::Timers));
            trace::record(|| format!("Note over W: {fired} due"));
            for waker in due {
                waker.wake();
            }
            trace::set_actor(previous);
        }
        fired
    }
    // ANCHOR_END: expire
}

impl Drop for Timer {
    /// Wakes every task that still waits for a timer: its runtime is gone,
    /// and its `Sleep` will say so instead of waiting forever.
    fn drop(&mut self) {
        let mut waiting = Vec::new();
        {
            let mut inner = self.handle.shared.lock();
            inner.shut_down = true;
            while let Some(waker) = inner.queue.poll(u64::MAX) {
                waiting.push(waker);
            }
        }
        for waker in waiting {
            waker.wake();
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Nothing below panics half-way through a change of the state.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    // ANCHOR: ticks
    /// The tick a deadline falls due at: the first that begins at or after
    /// it (rounded up, so that a timer never fires early).
    fn tick(&self, deadline: Instant) -> u64 {
        let since = deadline.saturating_duration_since(self.origin);
        let ticks = since.as_nanos().div_ceil(TICK.as_nanos());
        u64::try_from(ticks).unwrap_or(u64::MAX)
    }

    /// The current tick: the last one that has begun (rounded down).
    fn now(&self) -> u64 {
        let since = self.origin.elapsed();
        u64::try_from(since.as_nanos() / TICK.as_nanos()).unwrap_or(u64::MAX)
    }

    /// When `tick` begins; `None` if no clock reaches it.
    fn instant(&self, tick: u64) -> Option<Instant> {
        let nanos = TICK.as_nanos().checked_mul(u128::from(tick))?;
        let secs = u64::try_from(nanos / 1_000_000_000).ok()?;
        let since = Duration::new(secs, (nanos % 1_000_000_000) as u32);
        self.origin.checked_add(since)
    }
    // ANCHOR_END: ticks
}

// ANCHOR: handle
impl Handle {
    /// Registers a timer for `deadline` that wakes `waker`.
    pub fn insert(&self, deadline: Instant, waker: Waker) -> Key {
        let tick = self.shared.tick(deadline);
        let mut inner = self.shared.lock();
        assert!(
            !inner.shut_down,
            "a timer was set after its runtime shut down"
        );
        let key = inner.queue.insert(tick, waker);
        inner.stats.inserted += 1;
        // The runtime's thread sleeps until a later tick: wake it, so that
        // it sleeps again with this deadline. (On that thread itself this
        // never happens: it does not sleep while it polls.)
        let wake = inner.parked_until.is_some_and(|until| tick < until);
        drop(inner);
        trace::record(|| {
            let left = deadline.saturating_duration_since(Instant::now());
            format!("{}->>W: insert, due in {left:.1?}", trace::actor())
        });
        if wake {
            (self.shared.unpark)();
        }
        key
    }

    /// Has the timer fired? If not, leaves `waker` with it (unless the
    /// one it has wakes the same task). Panics if the runtime is gone.
    pub fn poll_fired(&self, key: Key, waker: &Waker) -> bool {
        let mut inner = self.shared.lock();
        assert!(
            !inner.shut_down,
            "a timer was polled after its runtime shut down"
        );
        let Some(stored) = inner.queue.get_mut(key) else {
            return true; // the driver took it out: it fired
        };
        if stored.will_wake(waker) {
            return false;
        }
        let old = std::mem::replace(stored, waker.clone());
        drop(inner);
        // A waker's drop may free a task, whose drop may touch this timer:
        // never under the lock.
        drop(old);
        false
    }

    /// Takes a timer out before it fires, and gives its waker back (to be
    /// dropped, or reused by a new deadline). `None` if it has fired.
    pub fn remove(&self, key: Key) -> Option<Waker> {
        let mut inner = self.shared.lock();
        let waker = inner.queue.remove(key);
        inner.stats.removed += u64::from(waker.is_some());
        drop(inner);
        if waker.is_some() {
            trace::record(|| format!("{}->>W: remove", trace::actor()));
        }
        waker
    }

    pub fn stats(&self) -> Stats {
        let inner = self.shared.lock();
        Stats {
            pending: inner.queue.len(),
            ..inner.stats
        }
    }
}
// ANCHOR_END: handle
