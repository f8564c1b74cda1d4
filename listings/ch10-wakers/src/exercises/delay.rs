//! Exercise 1, a solution: a timer future. Each `Delay` has a thread that
//! sleeps until the deadline, then marks the delay done and wakes whoever
//! polled it last. One thread per timer is wasteful (chapter 13 puts all
//! timers in one place), but it keeps every rule of wakers.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

// ANCHOR: delay
/// Ready once `duration` has passed since it was first polled.
pub struct Delay {
    duration: Duration,
    /// Shared with the timer thread, once the first poll has started it.
    shared: Option<Arc<Mutex<Shared>>>,
}

#[derive(Default)]
struct Shared {
    done: bool,
    waker: Option<Waker>,
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    // Two plain fields: a panic elsewhere cannot leave them half-written.
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Delay {
    pub fn new(duration: Duration) -> Delay {
        Delay {
            duration,
            shared: None,
        }
    }
}

impl Future for Delay {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let duration = self.duration;
        let shared = self.shared.get_or_insert_with(|| {
            // Lazy like every future: the clock starts at the first poll.
            let shared = Arc::new(Mutex::new(Shared::default()));
            let timer = Arc::clone(&shared);
            let deadline = Instant::now() + duration;
            thread::spawn(move || {
                // `sleep` may wake early on some systems: sleep until due.
                while let Some(left) =
                    deadline.checked_duration_since(Instant::now())
                {
                    thread::sleep(left);
                }
                let mut state = lock(&timer);
                state.done = true;
                let waker = state.waker.take();
                drop(state);
                if let Some(waker) = waker {
                    waker.wake();
                }
            });
            shared
        });
        // Look and register under one lock: no wake can fall in between.
        let mut state = lock(shared);
        if state.done {
            return Poll::Ready(());
        }
        match &mut state.waker {
            Some(stored) if stored.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}
// ANCHOR_END: delay
