//! An unbounded channel between tasks (and threads), like
//! `tokio::sync::mpsc::unbounded_channel`: any number of `Sender`s, one
//! `Receiver` whose `recv` is a future. Wakers make it work across tasks:
//! a `recv` that finds the queue empty leaves its waker, and the next
//! `send` (or the last `Sender` going away) wakes it.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

// ANCHOR: shared
struct Shared<T> {
    state: Mutex<State<T>>,
}

struct State<T> {
    queue: VecDeque<T>,
    /// The receiver's waker, while it waits for a value.
    waker: Option<Waker>,
    senders: usize,
    receiver_alive: bool,
}
// ANCHOR_END: shared

impl<T> Shared<T> {
    fn state(&self) -> MutexGuard<'_, State<T>> {
        // Nothing below panics half-way through a change of the state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A new channel.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            queue: VecDeque::new(),
            waker: None,
            senders: 1,
            receiver_alive: true,
        }),
    });
    (
        Sender {
            shared: Arc::clone(&shared),
        },
        Receiver { shared },
    )
}

/// The sending half; clone it for more senders.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// The receiving half.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
}

/// The receiver is gone; here is the value back.
#[derive(PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the receiver is gone")
    }
}

impl<T> std::error::Error for SendError<T> {}

// ANCHOR: send
impl<T> Sender<T> {
    /// Queues `value` and wakes the receiver, from any thread or task.
    /// Never waits: the queue has no bound.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        let mut state = self.shared.state();
        if !state.receiver_alive {
            return Err(SendError(value));
        }
        state.queue.push_back(value);
        let waker = state.waker.take();
        drop(state);
        // Wake outside the lock: the woken task may run on another thread
        // at once, and its first act is to take this lock.
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }
}
// ANCHOR_END: send

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.shared.state().senders += 1;
        Sender {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut state = self.shared.state();
        state.senders -= 1;
        let waker = if state.senders == 0 {
            state.waker.take()
        } else {
            None
        };
        drop(state);
        // The last sender is gone: a waiting receiver must hear it.
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Receiver<T> {
    /// The next value, as a future: `Some(value)`, or `None` once every
    /// sender is gone and the queue is empty.
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv { receiver: self }
    }

    /// The next value if one is queued, without waiting.
    pub fn try_recv(&mut self) -> Option<T> {
        self.shared.state().queue.pop_front()
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut state = self.shared.state();
        state.receiver_alive = false;
        let queued = std::mem::take(&mut state.queue);
        let waker = state.waker.take();
        drop(state);
        // Values and waker are dropped outside the lock: their destructors
        // are other people's code.
        drop((queued, waker));
    }
}

/// The future of [`Receiver::recv`].
pub struct Recv<'a, T> {
    receiver: &'a mut Receiver<T>,
}

// ANCHOR: recv
impl<T> Future for Recv<'_, T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut state = self.receiver.shared.state();
        if let Some(value) = state.queue.pop_front() {
            return Poll::Ready(Some(value));
        }
        if state.senders == 0 {
            return Poll::Ready(None);
        }
        // Nothing yet: leave the latest waker, under the same lock that
        // `send` takes, so that no value can slip in between.
        match &mut state.waker {
            Some(stored) if stored.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}
// ANCHOR_END: recv
