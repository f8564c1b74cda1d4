//! Exercise 2: wake one waiting task, or all of them, like
//! `tokio::sync::Notify`.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

// ANCHOR: notify
/// A signal for tasks. `notify_one` wakes the task that has waited
/// longest, or, if none waits, leaves a permit that the next
/// `notified().await` takes at once; `notify_waiters` wakes every task
/// waiting now and leaves no permit.
#[derive(Default)]
pub struct Notify {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    permit: bool,
    next_id: u64,
    /// Waiting, oldest first.
    waiting: VecDeque<(u64, Waker)>,
    /// Notified, but not yet polled to completion.
    notified: Vec<u64>,
}

/// The future `notified` returns.
pub struct Notified<'a> {
    notify: &'a Notify,
    /// Its place among the waiters, once it waits.
    id: Option<u64>,
}

impl Notify {
    pub fn new() -> Notify {
        Notify::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Every change below leaves the state whole before it can panic.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            id: None,
        }
    }

    pub fn notify_one(&self) {
        let mut state = self.state();
        match state.waiting.pop_front() {
            Some((id, waker)) => {
                state.notified.push(id);
                drop(state);
                // Outside the lock: a waker may run the task right here.
                waker.wake();
            }
            None => state.permit = true,
        }
    }

    pub fn notify_waiters(&self) {
        let mut state = self.state();
        let waiting = std::mem::take(&mut state.waiting);
        state.notified.extend(waiting.iter().map(|(id, _)| *id));
        drop(state);
        for (_, waker) in waiting {
            waker.wake();
        }
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.notify.state();
        match self.id {
            Some(id) => {
                if let Some(at) = state.notified.iter().position(|&n| n == id) {
                    state.notified.swap_remove(at);
                    drop(state);
                    self.id = None;
                    return Poll::Ready(());
                }
                // Still waiting: keep the latest waker.
                if let Some((_, waker)) =
                    state.waiting.iter_mut().find(|(n, _)| *n == id)
                {
                    waker.clone_from(cx.waker());
                }
                Poll::Pending
            }
            None if std::mem::take(&mut state.permit) => Poll::Ready(()),
            None => {
                let id = state.next_id;
                state.next_id += 1;
                state.waiting.push_back((id, cx.waker().clone()));
                drop(state);
                self.id = Some(id);
                Poll::Pending
            }
        }
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        let Some(id) = self.id else { return };
        let mut state = self.notify.state();
        state.waiting.retain(|(n, _)| *n != id);
        if let Some(at) = state.notified.iter().position(|&n| n == id) {
            // Dropped after a `notify_one` chose it: pass the wake on, or
            // it is lost. (After `notify_waiters` this wakes one more
            // task than needed, or leaves a permit; tokio tells the two
            // kinds of wake apart to avoid that.)
            state.notified.swap_remove(at);
            drop(state);
            self.notify.notify_one();
        }
    }
}
// ANCHOR_END: notify
