//! A baton two tasks pass back and forth, built on `std::task` alone, so
//! the hand-off benchmark runs the same code on every runtime: it measures
//! how fast a runtime gets a woken task polled, not how fast its own
//! channels are.
//!
//! Each hand-off also pays for the baton's bookkeeping, the same on every
//! runtime: one uncontended mutex lock in `pass` and one in the poll of
//! `wait`.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// Which of the two holders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    A = 0,
    B = 1,
}

/// A shared baton; clones refer to the same one. Side A holds it first.
#[derive(Clone, Default)]
pub struct Baton {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    holder: usize,
    /// The waker each side last waited with, kept so that the next wait
    /// of the same task need not clone it again.
    wakers: [Option<Waker>; 2],
}

impl Baton {
    pub fn new() -> Baton {
        Baton::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Poisoning cannot leave `Inner` inconsistent: every update is a
        // single assignment.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Gives the baton to `to`, waking it if it waits.
    pub fn pass(&self, to: Side) {
        let inner = &mut *self.lock();
        inner.holder = to as usize;
        if let Some(waker) = &inner.wakers[to as usize] {
            // Waking only schedules the task; no runtime polls it inside
            // `wake`, so holding the lock here cannot deadlock.
            waker.wake_by_ref();
        }
    }

    /// Completes once `me` holds the baton.
    pub fn wait(&self, me: Side) -> Wait<'_> {
        Wait { baton: self, me }
    }
}

/// The future [`Baton::wait`] returns.
pub struct Wait<'a> {
    baton: &'a Baton,
    me: Side,
}

impl Future for Wait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let inner = &mut *self.baton.lock();
        if inner.holder == self.me as usize {
            return Poll::Ready(());
        }
        // Registered under the lock that `pass` takes: a pass either came
        // before (and we saw it above) or comes after and sees this waker.
        let slot = &mut inner.wakers[self.me as usize];
        if !slot.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            *slot = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn waits_until_passed_and_wakes_the_waiter() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&count));
        let mut cx = Context::from_waker(&waker);
        let baton = Baton::new();
        let mut b = std::pin::pin!(baton.wait(Side::B));
        assert_eq!(b.as_mut().poll(&mut cx), Poll::Pending);
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
        baton.pass(Side::B);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(b.as_mut().poll(&mut cx), Poll::Ready(()));
        // Now B holds it: A waits, and passing it back wakes A.
        let mut a = std::pin::pin!(baton.wait(Side::A));
        assert_eq!(a.as_mut().poll(&mut cx), Poll::Pending);
        baton.pass(Side::A);
        assert_eq!(a.as_mut().poll(&mut cx), Poll::Ready(()));
        assert_eq!(count.0.load(Ordering::SeqCst), 2);
    }
}
