//! The smallest executor that honours wakes: it polls one future, and polls
//! it again only after its waker has fired, sleeping in between. It gives
//! up after a timeout, so that a future nobody wakes shows up as a result
//! instead of a hung program. Chapter 11 grows it into a real executor
//! with many tasks; here it is the test bench for the rules of wakers.

use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::thread;
use std::time::{Duration, Instant};

use futures_task::{ArcWake, waker_ref};

use crate::trace;

// ANCHOR: flag
/// What the driver's waker points at: "this task was woken", a condition
/// variable to sleep on until it is, and some bookkeeping for the demos.
#[derive(Debug, Default)]
pub struct WakeFlag {
    state: Mutex<FlagState>,
    woken: Condvar,
}

#[derive(Debug, Default)]
struct FlagState {
    /// Set by a wake, cleared by the driver just before each poll.
    woken: bool,
    /// Every wake ever, for the demos and tests.
    wakes: usize,
    /// The name of the thread that woke the task last.
    woken_by: Option<String>,
}

impl ArcWake for WakeFlag {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.set();
    }
}
// ANCHOR_END: flag

/// How a wait for a wake ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waited {
    /// The task had been woken before the driver got to wait.
    AlreadyWoken,
    /// The driver slept, and a wake ended the sleep.
    Woken,
    /// Nobody woke the task before the deadline.
    TimedOut,
}

impl WakeFlag {
    pub fn new() -> Arc<WakeFlag> {
        Arc::default()
    }

    fn state(&self) -> MutexGuard<'_, FlagState> {
        // A panic elsewhere cannot leave these few fields half-written.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Marks the task woken and wakes the driver if it sleeps.
    pub fn set(&self) {
        let mut state = self.state();
        state.woken = true;
        state.wakes += 1;
        state.woken_by = thread::current().name().map(str::to_string);
        drop(state);
        self.woken.notify_one();
    }

    /// Forgets earlier wakes: the next poll will see everything they were
    /// about.
    pub fn clear(&self) {
        self.state().woken = false;
    }

    /// How many wakes the task has had.
    pub fn wakes(&self) -> usize {
        self.state().wakes
    }

    /// The thread that woke the task last, by name.
    pub fn woken_by(&self) -> Option<String> {
        self.state().woken_by.clone()
    }

    /// Waits until the task is woken or `deadline` passes. A wake that came
    /// before this call counts: the flag stays set until `clear`.
    pub fn wait_until(&self, deadline: Instant) -> Waited {
        let mut state = self.state();
        if state.woken {
            trace::record(|| "Note over E: woken already: poll again".into());
            return Waited::AlreadyWoken;
        }
        trace::record(|| "Note over E: not woken yet: sleep".into());
        while !state.woken {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                trace::record(|| "Note over E: nobody woke it".into());
                return Waited::TimedOut;
            }
            state = self
                .woken
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        trace::record(|| "Note over E: woken: poll again".into());
        Waited::Woken
    }
}

/// What happened to a future under [`drive`].
#[derive(Debug)]
pub struct Driven<T> {
    /// Its output, or `None` if it was still pending at the deadline.
    pub output: Option<T>,
    /// How many times it was polled.
    pub polls: usize,
    /// How many times the driver slept waiting for a wake.
    pub sleeps: usize,
    /// How many wakes its task received.
    pub wakes: usize,
    /// The name of the thread that woke it last, if any did.
    pub woken_by: Option<String>,
}

// ANCHOR: drive
/// Polls `future` to completion, re-polling only after a wake, for at most
/// `timeout`.
pub fn drive<F: Future>(future: F, timeout: Duration) -> Driven<F::Output> {
    let deadline = Instant::now() + timeout;
    let flag = WakeFlag::new();
    let waker = waker_ref(&flag);
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    let (mut polls, mut sleeps) = (0, 0);
    loop {
        // Clear *before* polling: a wake that arrives while the future is
        // still inside `poll` must survive until we decide to sleep.
        flag.clear();
        polls += 1;
        trace::record(|| "E->>F: poll".into());
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            trace::record(|| "F-->>E: Ready".into());
            return Driven {
                output: Some(output),
                polls,
                sleeps,
                wakes: flag.wakes(),
                woken_by: flag.woken_by(),
            };
        }
        trace::record(|| "F-->>E: Pending".into());
        match flag.wait_until(deadline) {
            Waited::AlreadyWoken => {}
            Waited::Woken => sleeps += 1,
            Waited::TimedOut => {
                return Driven {
                    output: None,
                    polls,
                    sleeps: sleeps + 1,
                    wakes: flag.wakes(),
                    woken_by: flag.woken_by(),
                };
            }
        }
    }
}
// ANCHOR_END: drive

/// `Ready(5) after 2 polls, 1 wake, 1 sleep`, or `still Pending at the
/// deadline after 1 poll, 0 wakes, 1 sleep`.
impl<T: std::fmt::Debug> std::fmt::Display for Driven<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: usize, what: &str| {
            format!("{n} {what}{}", if n == 1 { "" } else { "s" })
        };
        match &self.output {
            Some(output) => write!(f, "Ready({output:?}) after ")?,
            None => write!(f, "still Pending at the deadline after ")?,
        }
        write!(
            f,
            "{}, {}, {}",
            plural(self.polls, "poll"),
            plural(self.wakes, "wake"),
            plural(self.sleeps, "sleep")
        )
    }
}
