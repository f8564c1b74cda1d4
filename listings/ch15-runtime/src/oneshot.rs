//! An event source: a one-shot channel, like `tokio::sync::oneshot`. The
//! `Receiver` is a future; the `Sender` may live on any thread and sends one
//! value, waking whichever task last polled the receiver. It keeps every
//! rule of wakers: it returns `Pending` only with a waker stored, it keeps
//! the waker of the latest poll, it wakes from any thread, and its check
//! and its registration happen under one lock, so no send can fall between
//! them.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::trace;

/// A new channel: the sending half and the receiving future.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            value: None,
            waker: None,
            sender_gone: false,
        }),
    });
    (Sender(Arc::clone(&shared)), Receiver(shared))
}

// ANCHOR: state
struct Shared<T> {
    state: Mutex<State<T>>,
}

struct State<T> {
    /// The value, once sent and until received.
    value: Option<T>,
    /// The waker of the task that polled the receiver last, while it waits.
    waker: Option<Waker>,
    /// The sender was dropped (with or without sending).
    sender_gone: bool,
}
// ANCHOR_END: state

impl<T> Shared<T> {
    fn state(&self) -> MutexGuard<'_, State<T>> {
        // Nothing below can panic half-way through a change of the state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The sending half.
pub struct Sender<T>(Arc<Shared<T>>);

/// The receiving half: a future of the value.
pub struct Receiver<T>(Arc<Shared<T>>);

/// The sender went away without sending.
#[derive(Debug, PartialEq, Eq)]
pub struct Closed;

// ANCHOR: poll
impl<T> Future for Receiver<T> {
    type Output = Result<T, Closed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.0.state();
        if let Some(value) = state.value.take() {
            trace::record(|| "F->>S: take the value".into());
            return Poll::Ready(Ok(value));
        }
        if state.sender_gone {
            return Poll::Ready(Err(Closed));
        }
        // Not yet: leave a waker, and only then say Pending.
        match &mut state.waker {
            // The same task polled again: its stored waker still fits.
            Some(stored) if stored.will_wake(cx.waker()) => {}
            // First poll, or a different task now: the latest waker wins.
            slot => *slot = Some(cx.waker().clone()),
        }
        trace::record(|| "F->>S: no value yet: leave the waker".into());
        Poll::Pending
    }
}
// ANCHOR_END: poll

// ANCHOR: send
impl<T> Sender<T> {
    /// Sends `value` and wakes the receiver's task, from any thread.
    pub fn send(self, value: T) {
        trace::record(|| format!("{}->>S: send", trace::thread()));
        let mut state = self.0.state();
        state.value = Some(value);
        let waker = state.waker.take();
        drop(state);
        // Wake outside the lock: the woken task may be polled on another
        // thread at once, and its poll takes this same lock.
        if let Some(waker) = waker {
            trace::record(|| "S->>E: wake()".into());
            waker.wake();
        }
        // Dropping `self` now marks the sender gone; the value stays.
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut state = self.0.state();
        state.sender_gone = true;
        let waker = state.waker.take();
        drop(state);
        // A receiver waiting for a value that will never come must hear so.
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}
// ANCHOR_END: send

impl<T> Receiver<T> {
    /// Whether the receiver holds a waker now (for tests and demos).
    pub fn has_waker(&self) -> bool {
        self.0.state().waker.is_some()
    }
}
