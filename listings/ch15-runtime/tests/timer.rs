//! `sleep`: timers fire in deadline order, all from one helper thread, and
//! a timer dropped early gives its waker back at once.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use ch15_runtime::time::{Timer, sleep};
use ch15_runtime::{Runtime, spawn};
use futures_task::ArcWake;

/// Milliseconds, or a hundred times as many under Miri: it interprets
/// slowly, and its clock advances with the instructions it runs, so short
/// deadlines would pass before the first poll. (Miri's clock jumps ahead
/// when every thread waits, so long sleeps cost no real time.)
fn ms(n: u64) -> Duration {
    Duration::from_millis(if cfg!(miri) { 100 * n } else { n })
}

#[test]
fn sleeps_end_in_deadline_order_not_spawn_order() {
    let order = Arc::new(Mutex::new(Vec::new()));
    let runtime = Runtime::new().unwrap();
    let log = Arc::clone(&order);
    runtime.block_on(async move {
        let handles: Vec<_> = [30, 10, 20]
            .into_iter()
            .map(|delay| {
                let log = Arc::clone(&log);
                let sleep = sleep(ms(delay)); // the deadlines, set together
                spawn(async move {
                    sleep.await;
                    log.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(delay);
                })
            })
            .collect();
        for handle in handles {
            handle.await.expect("a sleeper completes");
        }
    });
    assert_eq!(
        *order.lock().unwrap_or_else(PoisonError::into_inner),
        [10, 20, 30]
    );
    let metrics = runtime.metrics();
    assert_eq!(metrics.timer_threads, 1);
    assert!(metrics.parks >= 1, "the runtime slept while the timers ran");
}

#[test]
fn a_thousand_timers_share_one_thread() {
    let n = if cfg!(miri) { 20 } else { 1000 };
    let runtime = Runtime::new().unwrap();
    let start = Instant::now();
    runtime.block_on(async move {
        let handles: Vec<_> =
            (0..n).map(|i| spawn(sleep(ms(1 + i % 20)))).collect();
        for handle in handles {
            handle.await.expect("a sleeper completes");
        }
    });
    assert!(start.elapsed() >= ms(20));
    assert_eq!(runtime.metrics().timer_threads, 1);
}

#[test]
fn an_earlier_deadline_wakes_the_timer_thread_from_a_longer_wait() {
    let runtime = Runtime::new().unwrap();
    let start = Instant::now();
    runtime.block_on(async {
        // The thread starts waiting for an hour...
        let long = spawn(sleep(Duration::from_secs(3600)));
        ch15_runtime::yield_now().await;
        // ...and must be woken for this one.
        sleep(ms(20)).await;
        long.abort();
    });
    assert!(start.elapsed() < Duration::from_secs(60));
}

#[test]
fn a_sleep_that_is_due_is_ready_without_a_thread() {
    let runtime = Runtime::new().unwrap();
    runtime.block_on(sleep(Duration::ZERO));
    assert_eq!(runtime.metrics().timer_threads, 0);
}

#[derive(Default)]
struct CountWakes(AtomicUsize);

impl ArcWake for CountWakes {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn a_sleep_dropped_early_gives_its_waker_back_at_once() {
    let timer = Timer::new();
    let _enter = timer.enter();
    let task = Arc::new(CountWakes::default());
    let waker = futures_task::waker(Arc::clone(&task));
    let mut sleep = Box::pin(sleep(Duration::from_secs(3600)));
    assert!(
        sleep
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
    );
    assert_eq!(
        Arc::strong_count(&task),
        3,
        "ours, `waker`, and the timer's clone"
    );
    drop(sleep);
    assert_eq!(Arc::strong_count(&task), 2, "the timer's clone is gone");
}

#[test]
fn a_reused_slot_is_not_fired_by_the_stale_deadline_of_its_last_timer() {
    let timer = Timer::new();
    let _enter = timer.enter();
    let task = Arc::new(CountWakes::default());
    let waker = futures_task::waker(Arc::clone(&task));
    let mut cx = Context::from_waker(&waker);
    // A timer for 10 ms takes slot 0, and is dropped...
    let mut early = Box::pin(sleep(ms(10)));
    assert!(early.as_mut().poll(&mut cx).is_pending());
    drop(early);
    // ...and one for an hour takes slot 0 again.
    let mut late = pin!(sleep(Duration::from_secs(3600)));
    assert!(late.as_mut().poll(&mut cx).is_pending());
    std::thread::sleep(ms(50));
    // The 10 ms deadline came and went; its key's generation is stale.
    assert_eq!(task.0.load(Ordering::Relaxed), 0);
    assert_eq!(late.as_mut().poll(&mut cx), Poll::Pending);
}
