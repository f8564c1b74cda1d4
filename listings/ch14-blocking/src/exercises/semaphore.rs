//! Exercise 2: a semaphore that caps how many file operations run at once.
//! The pool's cap bounds threads, not one kind of work: a burst of reads
//! from one part of a program could occupy all 512 threads. A semaphore in
//! front of the reads keeps them to `n` at a time, and the tasks over the
//! limit wait as tasks (a few words each), not as queued jobs.

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::fs;

// ANCHOR: semaphore
/// `n` permits; `acquire` waits for one, first come, first served.
#[derive(Clone)]
pub struct Semaphore {
    state: Arc<Mutex<State>>,
}

struct State {
    /// Permits nobody holds or has been promised.
    free: usize,
    /// Tasks waiting for a permit, oldest first, by ticket.
    waiting: VecDeque<(u64, Waker)>,
    /// Tickets that a released permit was handed to, not yet collected.
    granted: Vec<u64>,
    next_ticket: u64,
}

/// A permit; dropping it hands it to the oldest waiter, or frees it.
pub struct Permit {
    state: Arc<Mutex<State>>,
}

/// The future of `acquire`.
pub struct Acquire {
    state: Arc<Mutex<State>>,
    ticket: Option<u64>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // No code that can panic runs under this lock.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Semaphore {
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            state: Arc::new(Mutex::new(State {
                free: permits,
                waiting: VecDeque::new(),
                granted: Vec::new(),
                next_ticket: 0,
            })),
        }
    }

    pub fn acquire(&self) -> Acquire {
        Acquire {
            state: Arc::clone(&self.state),
            ticket: None,
        }
    }
}

impl Future for Acquire {
    type Output = Permit;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit> {
        let this = &mut *self;
        let mut state = lock(&this.state);
        let state = &mut *state;
        match this.ticket {
            // First poll: a free permit, unless others wait for one.
            None if state.free > 0 && state.waiting.is_empty() => {
                state.free -= 1;
            }
            None => {
                let ticket = state.next_ticket;
                state.next_ticket += 1;
                state.waiting.push_back((ticket, cx.waker().clone()));
                this.ticket = Some(ticket);
                return Poll::Pending;
            }
            Some(ticket) => {
                let Some(at) = state.granted.iter().position(|&t| t == ticket)
                else {
                    // Still waiting: keep the latest waker.
                    if let Some((_, waker)) =
                        state.waiting.iter_mut().find(|(t, _)| *t == ticket)
                    {
                        waker.clone_from(cx.waker());
                    }
                    return Poll::Pending;
                };
                state.granted.swap_remove(at);
                this.ticket = None;
            }
        }
        Poll::Ready(Permit {
            state: Arc::clone(&this.state),
        })
    }
}

/// Hands a released permit to the oldest waiter, or frees it; returns the
/// waker to call once the lock is let go.
fn release(state: &mut State) -> Option<Waker> {
    match state.waiting.pop_front() {
        Some((ticket, waker)) => {
            state.granted.push(ticket);
            Some(waker)
        }
        None => {
            state.free += 1;
            None
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let waker = release(&mut lock(&self.state));
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Drop for Acquire {
    /// An `acquire` given up on (a timeout, a cancelled task) must not
    /// keep its place, nor a permit it was handed and never collected.
    fn drop(&mut self) {
        let Some(ticket) = self.ticket else { return };
        let mut state = lock(&self.state);
        let waker = match state.granted.iter().position(|&t| t == ticket) {
            Some(at) => {
                state.granted.swap_remove(at);
                release(&mut state)
            }
            None => {
                state.waiting.retain(|(t, _)| *t != ticket);
                None
            }
        };
        drop(state);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}
// ANCHOR_END: semaphore

// ANCHOR: limited_read
/// `fs::read`, at most as many at once as `limit` has permits.
pub async fn limited_read(
    limit: &Semaphore,
    path: impl AsRef<Path>,
) -> io::Result<Vec<u8>> {
    let _permit = limit.acquire().await;
    fs::read(path).await
}
// ANCHOR_END: limited_read
