//! The exercises' solutions at work, on both flavours of the runtime.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ch15_runtime::exercises::join_set::JoinSet;
use ch15_runtime::exercises::notify::Notify;
use ch15_runtime::runtime::{Builder, Runtime};
use ch15_runtime::{sleep, spawn, yield_now};

fn runtimes() -> [Runtime; 2] {
    [
        Builder::new_current_thread().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
    ]
}

/// Yields until `done()` or a second has passed; whether `done()`.
async fn eventually(done: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(1);
    while !done() && Instant::now() < deadline {
        yield_now().await;
    }
    done()
}

#[test]
fn a_join_set_yields_outputs_in_the_order_the_tasks_finish() {
    for runtime in runtimes() {
        let order = runtime.block_on(async {
            let mut set = JoinSet::new();
            for ms in [60, 20, 40] {
                set.spawn(async move {
                    sleep(Duration::from_millis(ms)).await;
                    ms
                });
            }
            let mut order = Vec::new();
            while let Some(output) = set.join_next().await {
                order.push(output.unwrap());
            }
            order
        });
        assert_eq!(order, [20, 40, 60], "{:?}", runtime.flavor());
    }
}

#[test]
fn dropping_a_join_set_aborts_its_tasks() {
    for runtime in runtimes() {
        let finished = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&finished);
        runtime.block_on(async move {
            let mut set = JoinSet::new();
            for _ in 0..3 {
                let count = Arc::clone(&count);
                set.spawn(async move {
                    sleep(Duration::from_millis(100)).await;
                    count.fetch_add(1, Ordering::SeqCst);
                });
            }
            assert_eq!(set.len(), 3);
            drop(set);
            sleep(Duration::from_millis(200)).await;
        });
        assert_eq!(finished.load(Ordering::SeqCst), 0);
        assert_eq!(runtime.live_tasks(), 0, "{:?}", runtime.flavor());
    }
}

#[test]
fn notify_one_before_anyone_waits_leaves_a_permit() {
    for runtime in runtimes() {
        runtime.block_on(async {
            let notify = Notify::new();
            notify.notify_one();
            // Ready at once: the permit.
            notify.notified().await;
        });
    }
}

/// Three tasks wait on one `Notify`; returns how many have been woken
/// after each of `notifies` is called once.
fn woken_after(runtime: &Runtime, all: bool) -> Vec<usize> {
    runtime.block_on(async move {
        let notify = Arc::new(Notify::new());
        let woken = Arc::new(AtomicUsize::new(0));
        let waiting = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..3)
            .map(|_| {
                let (notify, woken, waiting) = (
                    Arc::clone(&notify),
                    Arc::clone(&woken),
                    Arc::clone(&waiting),
                );
                spawn(async move {
                    let notified = notify.notified();
                    waiting.fetch_add(1, Ordering::SeqCst);
                    notified.await;
                    woken.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        assert!(eventually(|| waiting.load(Ordering::SeqCst) == 3).await);
        // Let each task's first poll reach its wait.
        sleep(Duration::from_millis(20)).await;
        let mut seen = Vec::new();
        if all {
            notify.notify_waiters();
            eventually(|| woken.load(Ordering::SeqCst) == 3).await;
            seen.push(woken.load(Ordering::SeqCst));
        } else {
            for _ in 0..3 {
                notify.notify_one();
                sleep(Duration::from_millis(20)).await;
                seen.push(woken.load(Ordering::SeqCst));
            }
        }
        for task in tasks {
            task.await.unwrap();
        }
        seen
    })
}

#[test]
fn notify_one_wakes_one_waiter_and_notify_waiters_wakes_all() {
    for runtime in runtimes() {
        let flavor = runtime.flavor();
        assert_eq!(woken_after(&runtime, false), [1, 2, 3], "{flavor:?}");
        assert_eq!(woken_after(&runtime, true), [3], "{flavor:?}");
    }
}

#[test]
fn a_waiter_dropped_after_its_wake_passes_the_wake_on() {
    for runtime in runtimes() {
        runtime.block_on(async {
            let notify = Arc::new(Notify::new());
            let mut first = Box::pin(notify.notified());
            // Polled once: now it waits, first in line.
            let waker = std::task::Waker::noop();
            let mut cx = std::task::Context::from_waker(waker);
            assert!(first.as_mut().poll(&mut cx).is_pending());
            let second = spawn({
                let notify = Arc::clone(&notify);
                async move { notify.notified().await }
            });
            sleep(Duration::from_millis(20)).await;
            notify.notify_one(); // chooses `first`
            drop(first); // which never takes it: `second` must get it
            let deadline = Instant::now() + Duration::from_secs(1);
            while !second.is_finished() && Instant::now() < deadline {
                sleep(Duration::from_millis(5)).await;
            }
            assert!(second.is_finished(), "{:?}", runtime.flavor());
            second.await.unwrap();
        });
    }
}
