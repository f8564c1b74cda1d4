//! How the accept loop tells its connections that the server is stopping:
//! a [`Shutdown`] that every connection's task shares, in one of three
//! states, each a step further than the last:
//!
//! - **running**: serve as usual;
//! - **draining**: finish the request in hand, then close; a connection
//!   waiting idle between requests closes at once;
//! - **aborting**: the drain deadline has passed: stop where you are.
//!
//! Tasks wait for a state with [`Shutdown::reached`], a future that keeps
//! its waker in a small slab (an index per waiting future, freed when the
//! future is dropped), so ten thousand idle connections hold ten thousand
//! wakers, never more, however often they are polled. Built on `std`
//! alone, like [`permits`](super::permits).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

/// How far the server is in stopping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Running = 0,
    Draining = 1,
    Aborting = 2,
}

/// The state shared by an accept loop and its connections.
#[derive(Debug, Default)]
pub struct Shutdown {
    /// A [`Stage`] as a number; it only ever grows.
    stage: AtomicU8,
    /// The wakers of the futures that wait for a stage.
    waiters: Mutex<Waiters>,
}

#[derive(Debug, Default)]
struct Waiters {
    slots: Vec<Option<Waker>>,
    free: Vec<usize>,
}

impl Shutdown {
    pub fn new() -> Arc<Shutdown> {
        Arc::default()
    }

    /// The stage now.
    pub fn stage(&self) -> Stage {
        match self.stage.load(Ordering::Acquire) {
            0 => Stage::Running,
            1 => Stage::Draining,
            _ => Stage::Aborting,
        }
    }

    /// Moves to `stage` (never back) and wakes every waiting future.
    pub fn advance(&self, stage: Stage) {
        self.stage.fetch_max(stage as u8, Ordering::AcqRel);
        let wakers: Vec<Waker> = {
            let mut waiters = self.lock();
            waiters.slots.iter_mut().filter_map(Option::take).collect()
        };
        // Woken outside the lock: a waker may run code that takes it.
        for waker in wakers {
            waker.wake();
        }
    }

    /// A future that is ready once the stage is `stage` or later.
    pub fn reached(&self, stage: Stage) -> Reached<'_> {
        Reached {
            shutdown: self,
            stage,
            slot: None,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Waiters> {
        // A slab of wakers is consistent between any two statements.
        self.waiters.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The future of [`Shutdown::reached`].
#[derive(Debug)]
pub struct Reached<'a> {
    shutdown: &'a Shutdown,
    stage: Stage,
    /// Our place in the slab, once we wait.
    slot: Option<usize>,
}

impl Future for Reached<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.shutdown.stage() >= self.stage {
            return Poll::Ready(());
        }
        let mut waiters = self.shutdown.lock();
        let slot = match self.slot {
            Some(slot) => slot,
            None => match waiters.free.pop() {
                Some(slot) => slot,
                None => {
                    waiters.slots.push(None);
                    waiters.slots.len() - 1
                }
            },
        };
        match &mut waiters.slots[slot] {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            stored => *stored = Some(cx.waker().clone()),
        }
        drop(waiters);
        self.slot = Some(slot);
        // Look again now that the waker is stored: an `advance` between
        // the first look and the store found no waker to wake.
        if self.shutdown.stage() >= self.stage {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl Drop for Reached<'_> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot {
            let mut waiters = self.shutdown.lock();
            waiters.slots[slot] = None;
            waiters.free.push(slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Count;
    use std::pin::pin;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn waiters_are_woken_by_their_stage_and_slots_are_reused() {
        let shutdown = Shutdown::new();
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&count));
        let mut cx = Context::from_waker(&waker);
        let mut drain = pin!(shutdown.reached(Stage::Draining));
        let mut abort = pin!(shutdown.reached(Stage::Aborting));
        for _ in 0..3 {
            assert!(drain.as_mut().poll(&mut cx).is_pending());
        }
        assert!(abort.as_mut().poll(&mut cx).is_pending());
        assert_eq!(shutdown.lock().slots.len(), 2, "one slot per future");
        shutdown.advance(Stage::Draining);
        assert_eq!(count.0.load(Ordering::SeqCst), 2, "both are woken");
        assert!(drain.as_mut().poll(&mut cx).is_ready());
        assert!(abort.as_mut().poll(&mut cx).is_pending());
        shutdown.advance(Stage::Running); // never back
        assert_eq!(shutdown.stage(), Stage::Draining);
        shutdown.advance(Stage::Aborting);
        assert!(abort.as_mut().poll(&mut cx).is_ready());
        {
            let mut late = pin!(shutdown.reached(Stage::Aborting));
            assert!(late.as_mut().poll(&mut cx).is_ready());
        }
        assert_eq!(shutdown.lock().free.len(), 0, "still held by the pins");
    }
}
