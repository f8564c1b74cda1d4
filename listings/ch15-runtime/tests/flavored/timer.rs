//! The runtime's timers: never early, all of them, in order, nothing left
//! behind by a timer that is dropped, and no thread.

use std::future::{Future, pending, poll_fn};
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::thread;
use std::time::{Duration, Instant};

use ch15_runtime::rng::Rng;
use ch15_runtime::runtime::Flavor;
use ch15_runtime::spawn;
use ch15_runtime::time::{self, Elapsed, Sleep, Stats, Timer, TimerQueue};
use futures_task::ArcWake;

/// Milliseconds, or a hundred times as many under Miri: it interprets
/// slowly, and its clock advances with the instructions it runs, so short
/// deadlines would pass before the first poll. (Miri's clock jumps ahead
/// when every thread waits, so long sleeps cost no real time.)
fn ms(n: u64) -> Duration {
    Duration::from_millis(if cfg!(miri) { 100 * n } else { n })
}

fn stats() -> Stats {
    time::stats().expect("inside a runtime")
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[test]
fn sleeps_end_in_deadline_order_not_spawn_order() {
    let order = Arc::new(Mutex::new(Vec::new()));
    let runtime = super::runtime().unwrap();
    let log = Arc::clone(&order);
    runtime.block_on(async move {
        let handles: Vec<_> = [30, 10, 20]
            .into_iter()
            .map(|delay| {
                let log = Arc::clone(&log);
                let sleep = time::sleep(ms(delay)); // the deadlines, set together
                spawn(async move {
                    sleep.await;
                    lock(&log).push(delay);
                })
            })
            .collect();
        for handle in handles {
            handle.await.expect("a sleeper completes");
        }
    });
    assert_eq!(*lock(&order), [10, 20, 30]);
    let metrics = runtime.metrics();
    assert_eq!(metrics.timer_threads, 0, "no helper thread");
    assert!(metrics.parks >= 1, "the runtime slept while the timers ran");
}

// ANCHOR: never_early
#[test]
fn a_timer_never_fires_early() {
    let runtime = super::runtime().unwrap();
    let mut rng = Rng::new(7);
    let delays: Vec<Duration> = (0..if cfg!(miri) { 10 } else { 200 })
        .map(|_| Duration::from_micros(rng.range(0, 5_000)))
        .map(|delay| if cfg!(miri) { delay * 100 } else { delay })
        .collect();
    let early = runtime.block_on(async move {
        let handles: Vec<_> = delays
            .into_iter()
            .map(|delay| {
                let deadline = Instant::now() + delay;
                spawn(async move {
                    time::sleep_until(deadline).await;
                    Instant::now() < deadline
                })
            })
            .collect();
        let mut early = 0;
        for handle in handles {
            early += usize::from(handle.await.unwrap());
        }
        early
    });
    assert_eq!(early, 0, "timers fired before their deadline");
}
// ANCHOR_END: never_early

// ANCHOR: hundred_thousand
/// A waker that notes when it was woken, and for which deadline.
struct Note {
    deadline: Instant,
    log: Arc<Mutex<Vec<(Instant, Instant)>>>,
}

impl ArcWake for Note {
    fn wake_by_ref(note: &Arc<Self>) {
        lock(&note.log).push((note.deadline, Instant::now()));
    }
}

#[test]
fn a_hundred_thousand_timers_all_fire_in_order_and_leave_the_wheel_empty() {
    let timers = if cfg!(miri) { 100 } else { 100_000 };
    let runtime = super::runtime().unwrap();
    let log = Arc::new(Mutex::new(Vec::with_capacity(timers)));
    let notes = Arc::clone(&log);
    let after = runtime.block_on(async move {
        let timer = time::driver::current().expect("inside a runtime");
        // Chapter 15: on a multi-threaded runtime a worker fires timers
        // while this thread still registers them, so the first deadline
        // must come after the last registration: a second ahead, not 50 ms.
        let lead = match super::FLAVOR {
            Flavor::CurrentThread => ms(50),
            Flavor::MultiThread => ms(1000),
        };
        let start = Instant::now() + lead;
        let mut rng = Rng::new(13);
        let mut registered = false;
        // One poll registers every timer, each with a waker that notes
        // when it fired, and one more, after them all, that wakes us.
        // (They go to the wheel directly, not through `Sleep`, which is
        // ready at once if its deadline has passed by its first poll:
        // on a loaded machine, registering 100,000 may take that long.)
        poll_fn(|cx| {
            if registered {
                return Poll::Ready(());
            }
            registered = true;
            for _ in 0..timers {
                let deadline = start + ms(rng.range(0, 200_000)) / 1000;
                let note = Note {
                    deadline,
                    log: Arc::clone(&notes),
                };
                timer.insert(deadline, futures_task::waker(Arc::new(note)));
            }
            timer.insert(start + ms(203), cx.waker().clone());
            Poll::Pending
        })
        .await;
        stats()
    });
    let fired = lock(&log);
    assert_eq!(fired.len(), timers, "every timer fired, once");
    for &(deadline, woke) in fired.iter() {
        assert!(woke >= deadline, "fired early");
    }
    // In deadline order, to the tick: a timer may fire before another
    // whose deadline is less than a tick earlier (the same tick), never
    // before one a whole tick earlier.
    for pair in fired.windows(2) {
        let (first, next) = (pair[0].0, pair[1].0);
        assert!(next + time::TICK > first, "out of order by a tick or more");
    }
    assert_eq!(after.pending, 0, "the wheel is empty");
    assert_eq!(after.fired, timers as u64 + 1);
    assert_eq!(after.removed, 0);
}
// ANCHOR_END: hundred_thousand

// ANCHOR: cascade
#[test]
fn a_sleeping_task_wakes_the_runtime_once_per_wheel_level_at_most() {
    let runtime = super::runtime().unwrap();
    let parks = runtime.block_on(async {
        // About 300 ticks ahead: level 1, whose slots are 64 ticks wide.
        time::sleep(ms(300)).await;
        stats().timed_parks
    });
    // Once until its level-1 slot begins (256 ticks), once more until
    // its own tick, when it has come down to level 0. Never a spin.
    assert!(parks <= 3, "{parks} sleeps for one timer");
    assert!(runtime.metrics().turns <= 5);
}
// ANCHOR_END: cascade

#[derive(Default)]
struct CountWakes(AtomicUsize);

impl ArcWake for CountWakes {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.0.fetch_add(1, Ordering::Relaxed);
    }
}

// ANCHOR: dropped_timeout
#[test]
fn a_dropped_timeout_frees_its_entry_and_its_waker() {
    let runtime = super::runtime().unwrap();
    runtime.block_on(async {
        let task = Arc::new(CountWakes::default());
        let waker = futures_task::waker(Arc::clone(&task));
        let mut cx = Context::from_waker(&waker);
        let mut timeout =
            Box::pin(time::timeout(Duration::from_secs(3600), pending::<()>()));
        assert!(timeout.as_mut().poll(&mut cx).is_pending());
        assert_eq!(stats().pending, 1);
        assert_eq!(Arc::strong_count(&task), 3, "ours, `waker`, the wheel's");
        drop(timeout);
        assert_eq!(stats().pending, 0, "the entry left the wheel");
        assert_eq!(stats().removed, 1);
        assert_eq!(Arc::strong_count(&task), 2, "the wheel's clone is gone");
        assert_eq!(task.0.load(Ordering::Relaxed), 0, "and never woke");
    });
}
// ANCHOR_END: dropped_timeout

#[test]
fn a_timeout_gives_the_output_or_elapsed_and_cleans_up_either_way() {
    let runtime = super::runtime().unwrap();
    runtime.block_on(async {
        let fast = time::timeout(ms(500), async { 7 }).await;
        assert_eq!(fast, Ok(7));
        let slow = time::timeout(ms(5), time::sleep(ms(500))).await;
        assert!(matches!(slow, Err(Elapsed { .. })));
        let io: std::io::Error = slow.unwrap_err().into();
        assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
        // The first timeout never needed its timer: the future was ready
        // at the first poll. The second's fired, and the sleep it wrapped
        // left the wheel when the timeout dropped it.
        let after = stats();
        assert_eq!((after.inserted, after.fired, after.removed), (2, 1, 1));
        assert_eq!(after.pending, 0);
    });
}

#[test]
fn a_sleep_that_is_due_is_ready_without_touching_the_wheel() {
    let runtime = super::runtime().unwrap();
    let inserted = runtime.block_on(async {
        time::sleep(Duration::ZERO).await;
        time::sleep_until(Instant::now() - Duration::from_millis(1)).await;
        stats().inserted
    });
    assert_eq!(inserted, 0);
}

#[test]
fn reset_moves_a_waiting_sleep_earlier_and_later() {
    let runtime = super::runtime().unwrap();
    runtime.block_on(async {
        let start = Instant::now();
        let mut sleep = time::sleep(Duration::from_secs(3600));
        // Registered for an hour...
        poll_fn(|cx| {
            assert!(pin!(&mut sleep).poll(cx).is_pending());
            Poll::Ready(())
        })
        .await;
        // ...then brought forward: the entry moves, no new one is made.
        sleep.reset(start + ms(20));
        (&mut sleep).await;
        assert!(start.elapsed() >= ms(20));
        assert!(start.elapsed() < Duration::from_secs(60));
        let after = stats();
        assert_eq!((after.pending, after.inserted, after.removed), (0, 2, 1));
    });
}

// ANCHOR: other_thread
#[test]
fn an_earlier_deadline_set_from_another_thread_wakes_the_sleeping_runtime() {
    let runtime = super::runtime().unwrap();
    let start = Instant::now();
    let parks = runtime.block_on(async move {
        let sleep =
            Arc::new(Mutex::new(time::sleep(Duration::from_secs(3600))));
        let shared = Arc::clone(&sleep);
        let waiter =
            spawn(poll_fn(move |cx| Pin::new(&mut *lock(&shared)).poll(cx)));
        // Once the runtime has gone to sleep for the hour, another thread
        // brings the deadline forward.
        let timer = time::driver::current().expect("inside a runtime");
        let helper = thread::spawn(move || {
            while timer.stats().timed_parks == 0 {
                thread::sleep(ms(1));
            }
            lock(&sleep).reset(Instant::now() + ms(10));
        });
        waiter.await.unwrap();
        helper.join().unwrap();
        stats().timed_parks
    });
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "it slept the hour"
    );
    assert!(
        parks >= 2,
        "it slept for the hour, then for the new deadline"
    );
}
// ANCHOR_END: other_thread

/// A waker whose last drop drops a registered `Sleep`: dropping it under
/// the wheel's lock would deadlock, since the `Sleep` takes that lock to
/// leave the wheel.
struct OwnsASleep {
    _sleep: Sleep,
}

impl ArcWake for OwnsASleep {
    fn wake_by_ref(_: &Arc<Self>) {}
}

#[test]
fn a_waker_that_drops_a_timer_is_never_dropped_under_the_lock() {
    let (done, finished) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let timer = Timer::new(|| {});
        let _enter = timer.enter();
        let hour = || time::sleep(Duration::from_secs(3600));
        let noop = std::task::Waker::noop();
        // A sleep registered with a no-op waker, owned by another waker.
        let mut owned = hour();
        assert!(
            Pin::new(&mut owned)
                .poll(&mut Context::from_waker(noop))
                .is_pending()
        );
        let owner = futures_task::waker(Arc::new(OwnsASleep { _sleep: owned }));
        // That waker is left with a second sleep, then replaced by a new
        // poll: its drop runs `owned`'s drop.
        let mut sleep = hour();
        assert!(
            Pin::new(&mut sleep)
                .poll(&mut Context::from_waker(&owner))
                .is_pending()
        );
        drop(owner);
        assert!(
            Pin::new(&mut sleep)
                .poll(&mut Context::from_waker(noop))
                .is_pending()
        );
        assert_eq!(timer.handle().stats().pending, 1);
        let _ = done.send(());
    });
    finished
        .recv_timeout(Duration::from_secs(10))
        .expect("deadlocked: a waker was dropped under the wheel's lock");
}

#[test]
fn a_sleep_polled_after_its_runtime_shut_down_panics() {
    let runtime = super::runtime().unwrap();
    // Registered inside the runtime, returned out of it (in a `Vec`, so
    // that `block_on` does not take it for a future to await).
    let mut sleeps = runtime.block_on(async {
        let mut sleep = time::sleep(Duration::from_secs(3600));
        poll_fn(|cx| {
            assert!(Pin::new(&mut sleep).poll(cx).is_pending());
            Poll::Ready(())
        })
        .await;
        vec![sleep]
    });
    drop(runtime);
    let polled =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            let mut cx = Context::from_waker(std::task::Waker::noop());
            let _ = Pin::new(&mut sleeps[0]).poll(&mut cx);
        }));
    assert!(
        polled.is_err(),
        "a sleep without a runtime must not wait forever"
    );
}

#[test]
fn a_key_is_stale_once_its_timer_fired_even_when_its_slot_is_reused() {
    let timer = Timer::new(|| {});
    let handle = timer.handle();
    let past = Instant::now() - Duration::from_secs(1);
    let first = handle.insert(past, std::task::Waker::noop().clone());
    assert_eq!(timer.expire(), 1);
    let second = handle.insert(
        Instant::now() + Duration::from_secs(3600),
        std::task::Waker::noop().clone(),
    );
    assert!(
        handle.remove(first).is_none(),
        "a stale key removes nothing"
    );
    assert_eq!(handle.stats().pending, 1);
    assert!(handle.remove(second).is_some());
}

// ANCHOR: both_structures
/// The heap and the wheel, given the same random deadlines, hand them back
/// in the same order of ticks, and both end empty.
#[test]
fn the_heap_and_the_wheel_agree() {
    fn drain(queue: &mut impl TimerQueue<u64>, ticks: &[u64]) -> Vec<u64> {
        for &tick in ticks {
            queue.insert(tick, tick);
        }
        let mut out = Vec::new();
        while let Some(now) = queue.next_expiration() {
            while let Some(tick) = queue.poll(now) {
                assert!(tick <= now, "handed out before its tick");
                out.push(tick);
            }
        }
        assert!(queue.is_empty());
        out
    }
    let mut rng = Rng::new(99);
    let count = if cfg!(miri) { 300 } else { 20_000 };
    let ticks: Vec<u64> = (0..count)
        .map(|_| {
            let bits = rng.range(1, 40);
            rng.range(0, 1 << bits)
        })
        .collect();
    let mut sorted = ticks.clone();
    sorted.sort_unstable();
    let from_heap = drain(&mut time::heap::Heap::new(), &ticks);
    let from_wheel = drain(&mut time::wheel::Wheel::new(), &ticks);
    assert_eq!(from_heap, sorted);
    assert_eq!(from_wheel, sorted);
}
// ANCHOR_END: both_structures
