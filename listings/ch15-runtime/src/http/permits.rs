//! A counting gate: at most `n` holders of a [`Permit`] at once, and an
//! async [`Permits::acquire`] that waits for one. The accept loop takes a
//! permit before it accepts, and each connection's task drops its permit
//! when it ends, so at most `n` connections are served at once.
//!
//! It is an asynchronous semaphore cut down to what the loop needs, built
//! on `std` alone (a mutex and wakers), so it works on any executor.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

/// Up to `n` permits, shared.
#[derive(Debug)]
pub struct Permits {
    state: Mutex<State>,
    /// How many there are in all.
    total: usize,
}

#[derive(Debug)]
struct State {
    available: usize,
    /// Tasks waiting for a permit, or for all of them to be back; all are
    /// woken when one is released, and each looks again.
    waiting: Vec<Waker>,
}

impl Permits {
    pub fn new(n: usize) -> Arc<Permits> {
        Arc::new(Permits {
            state: Mutex::new(State {
                available: n,
                waiting: Vec::new(),
            }),
            total: n,
        })
    }

    /// Waits for a permit.
    pub fn acquire(self: &Arc<Self>) -> Acquire {
        Acquire {
            permits: Arc::clone(self),
        }
    }

    /// Waits until no permit is held: every connection has ended.
    pub fn all_back(self: &Arc<Self>) -> AllBack {
        AllBack {
            permits: Arc::clone(self),
        }
    }

    /// Permits held now.
    pub fn held(&self) -> usize {
        self.total - self.available()
    }

    /// Permits not held now.
    pub fn available(&self) -> usize {
        self.lock().available
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a count and a list, consistent between any two
        // statements: a panic elsewhere while it was locked leaves it
        // usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The future of [`Permits::acquire`].
pub struct Acquire {
    permits: Arc<Permits>,
}

impl Future for Acquire {
    type Output = Permit;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit> {
        let mut state = self.permits.lock();
        if state.available > 0 {
            state.available -= 1;
            return Poll::Ready(Permit {
                permits: Arc::clone(&self.permits),
            });
        }
        if !state.waiting.iter().any(|w| w.will_wake(cx.waker())) {
            state.waiting.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// The future of [`Permits::all_back`].
pub struct AllBack {
    permits: Arc<Permits>,
}

impl Future for AllBack {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.permits.lock();
        if state.available == self.permits.total {
            return Poll::Ready(());
        }
        if !state.waiting.iter().any(|w| w.will_wake(cx.waker())) {
            state.waiting.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// The right to serve one connection; dropping it gives it back.
#[derive(Debug)]
pub struct Permit {
    permits: Arc<Permits>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let waiting = {
            let mut state = self.permits.lock();
            state.available += 1;
            std::mem::take(&mut state.waiting)
        };
        // Woken outside the lock: a waker may run code that locks it.
        for waker in waiting {
            waker.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Count;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn waits_for_a_permit_and_is_woken_when_one_is_back() {
        let permits = Permits::new(2);
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&count));
        let mut cx = Context::from_waker(&waker);
        let acquire = |cx: &mut Context<'_>| {
            let mut future = permits.acquire();
            Pin::new(&mut future).poll(cx)
        };
        let Poll::Ready(first) = acquire(&mut cx) else {
            panic!()
        };
        let Poll::Ready(second) = acquire(&mut cx) else {
            panic!()
        };
        assert!(acquire(&mut cx).is_pending());
        assert_eq!(permits.available(), 0);
        drop(first);
        assert_eq!(count.0.load(Ordering::SeqCst), 1, "the waiter is woken");
        let Poll::Ready(third) = acquire(&mut cx) else {
            panic!()
        };
        let mut all_back = permits.all_back();
        assert!(Pin::new(&mut all_back).poll(&mut cx).is_pending());
        assert_eq!(permits.held(), 2);
        drop(third);
        assert!(Pin::new(&mut all_back).poll(&mut cx).is_pending());
        drop(second);
        assert!(Pin::new(&mut all_back).poll(&mut cx).is_ready());
    }
}
