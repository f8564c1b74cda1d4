//! The executor runs any correct `Future`, not only this book's: futures
//! written the way library authors write them, each leaning on a different
//! part of the waker contract.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread;

use ch15_runtime::{Runtime, block_on, spawn};
use futures_task::ArcWake;

/// Wakes itself and returns `Pending`, `times` times, then `Ready`: what
/// `yield_now` and every "give others a turn" loop do.
struct WakesItself {
    times: usize,
    polls: usize,
}

impl Future for WakesItself {
    type Output = usize;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        self.polls += 1;
        if self.polls > self.times {
            return Poll::Ready(self.polls);
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[test]
fn a_future_that_wakes_itself_is_polled_again_without_sleeping() {
    let runtime = Runtime::new().unwrap();
    let polls = runtime.block_on(async {
        let task = spawn(WakesItself { times: 5, polls: 0 });
        let main = WakesItself { times: 5, polls: 0 }.await;
        (main, task.await.expect("the task completes"))
    });
    assert_eq!(polls, (6, 6));
    assert_eq!(runtime.metrics().parks, 0);
}

/// Hands its waker to a thread that wakes it, and waits for that thread
/// before returning `Pending`: the wake lands while the task is still
/// inside `poll`, before the executor has heard `Pending`.
struct WokenBeforePending {
    polled: bool,
}

impl Future for WokenBeforePending {
    type Output = &'static str;
    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Self::Output> {
        if self.polled {
            return Poll::Ready("polled again");
        }
        self.polled = true;
        let waker = cx.waker().clone();
        thread::spawn(move || waker.wake())
            .join()
            .expect("the waking thread panicked");
        Poll::Pending
    }
}

#[test]
fn a_wake_from_another_thread_before_pending_is_not_lost() {
    let runtime = Runtime::new().unwrap();
    let outputs = runtime.block_on(async {
        let task = spawn(WokenBeforePending { polled: false });
        let main = WokenBeforePending { polled: false }.await;
        (main, task.await.expect("the task completes"))
    });
    assert_eq!(outputs, ("polled again", "polled again"));
}

/// Stores its waker in a slot someone else holds, and waits forever.
struct StoresWaker {
    slot: Arc<Mutex<Option<Waker>>>,
    _witness: Arc<()>,
}

impl Future for StoresWaker {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        match &mut *slot {
            Some(stored) if stored.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

fn take(slot: &Mutex<Option<Waker>>) -> Option<Waker> {
    slot.lock().unwrap_or_else(PoisonError::into_inner).take()
}

#[test]
fn a_waker_that_outlives_its_aborted_task_wakes_nothing() {
    let slot = Arc::new(Mutex::new(None));
    let witness = Arc::new(());
    let future = StoresWaker {
        slot: Arc::clone(&slot),
        _witness: Arc::clone(&witness),
    };
    let runtime = Runtime::new().unwrap();
    let cancelled = runtime.block_on(async {
        let task = spawn(future);
        ch15_runtime::yield_now().await; // it stores its waker
        task.abort();
        task.await.expect_err("aborted").is_cancelled()
    });
    assert!(cancelled);
    assert_eq!(Arc::strong_count(&witness), 1, "the future is gone");
    // The stored waker still points at the task's block, which it keeps
    // alive. Waking it, from another thread, does nothing.
    let waker = take(&slot).expect("the future stored its waker");
    thread::spawn(move || waker.wake())
        .join()
        .expect("the waking thread panicked");
    // Nothing was queued: the runtime has no task, and nothing to run.
    let polls = runtime.metrics().polls;
    runtime.block_on(ch15_runtime::yield_now());
    assert_eq!((runtime.live_tasks(), runtime.metrics().polls), (0, polls));
}

#[test]
fn a_future_dropped_unpolled_and_a_waker_woken_after_the_runtime_is_gone() {
    let slot = Arc::new(Mutex::new(None));
    let (never_polled, waiting) = (Arc::new(()), Arc::new(()));
    let runtime = Runtime::new().unwrap();
    // Spawned, and dropped with the runtime before any poll.
    drop(runtime.spawn(StoresWaker {
        slot: Arc::new(Mutex::new(None)),
        _witness: Arc::clone(&never_polled),
    }));
    // Polled once; stores its waker; then the runtime goes away.
    runtime.block_on(async {
        drop(spawn(StoresWaker {
            slot: Arc::clone(&slot),
            _witness: Arc::clone(&waiting),
        }));
        ch15_runtime::yield_now().await;
    });
    drop(runtime);
    assert_eq!(Arc::strong_count(&never_polled), 1);
    assert_eq!(Arc::strong_count(&waiting), 1);
    // The waker outlived its runtime: waking and dropping it must touch
    // nothing that is gone (Miri checks), and free the task's block
    // (Miri's leak check).
    let waker = take(&slot).expect("the future stored its waker");
    waker.wake_by_ref();
    waker.wake();
}

/// A combinator in the style of `FuturesUnordered`: it polls its child
/// with a waker of its own, which forwards to the task's latest waker.
struct Forwarding<F> {
    child: Pin<Box<F>>,
    forward: Arc<Forward>,
}

#[derive(Default)]
struct Forward {
    task: Mutex<Option<Waker>>,
    wakes: AtomicUsize,
}

impl ArcWake for Forward {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.wakes.fetch_add(1, Ordering::Relaxed);
        let task = arc_self.task.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(task) = &*task {
            task.wake_by_ref();
        }
    }
}

impl<F: Future> Future for Forwarding<F> {
    type Output = (F::Output, usize);
    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Self::Output> {
        self.forward
            .task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone_from(&Some(cx.waker().clone()));
        let this = &mut *self;
        let waker = futures_task::waker_ref(&this.forward);
        let mut child_cx = Context::from_waker(&waker);
        match this.child.as_mut().poll(&mut child_cx) {
            Poll::Ready(output) => Poll::Ready((
                output,
                this.forward.wakes.load(Ordering::Relaxed),
            )),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[test]
fn a_future_polled_with_a_foreign_waker_reaches_its_task() {
    let (output, wakes) = block_on(async {
        spawn(Forwarding {
            child: Box::pin(async {
                let (tx, rx) = ch15_runtime::oneshot::channel();
                let sender = thread::spawn(move || tx.send(9));
                let value = rx.await.expect("sent");
                sender.join().expect("the sender panicked");
                ch15_runtime::yield_now().await;
                value
            }),
            forward: Arc::default(),
        })
        .await
        .expect("the task completes")
    });
    assert_eq!(output, 9);
    // The yield woke through the combinator (and so did the send, if it came
    // after the first poll).
    assert!(wakes >= 1);
}

/// Ready once another thread has bumped a counter `target` times; each
/// bump wakes whoever polled last.
struct Counter {
    shared: Arc<(AtomicUsize, Mutex<Option<Waker>>)>,
    target: usize,
}

impl Future for Counter {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let (count, waker) = &*self.shared;
        // Register first, then look: a bump after the look finds the waker.
        let mut slot = waker.lock().unwrap_or_else(PoisonError::into_inner);
        match &mut *slot {
            Some(stored) if stored.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        drop(slot);
        if count.load(Ordering::Acquire) >= self.target {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[test]
fn a_storm_of_wakes_from_another_thread_loses_none() {
    let target = if cfg!(miri) { 50 } else { 20_000 };
    let shared = Arc::new((AtomicUsize::new(0), Mutex::new(None::<Waker>)));
    let bumper = Arc::clone(&shared);
    block_on(async move {
        let task = spawn(Counter {
            shared: Arc::clone(&shared),
            target,
        });
        let thread = thread::spawn(move || {
            for _ in 0..target {
                bumper.0.fetch_add(1, Ordering::Release);
                let waker = bumper
                    .1
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
        });
        task.await.expect("the task completes");
        thread.join().expect("the bumper panicked");
    });
}
