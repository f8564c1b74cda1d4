//! Dropping a runtime with tasks in every state drops each task's future
//! exactly once, on the runtime's thread, frees every task, and leaves
//! their `JoinHandle`s reporting "cancelled".

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use ch15_runtime::{
    JoinHandle, Runtime, channel, oneshot, sleep, spawn, yield_now,
};

/// Counts how often values it made are dropped.
#[derive(Clone, Default)]
struct Drops(Arc<AtomicUsize>);

struct Witness(Drops);

impl Drop for Witness {
    fn drop(&mut self) {
        self.0.0.fetch_add(1, Ordering::Relaxed);
    }
}

impl Drops {
    fn witness(&self) -> Witness {
        Witness(self.clone())
    }
    fn count(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

/// Polls a `JoinHandle` once, with no runtime around.
fn peek<T>(
    handle: &mut JoinHandle<T>,
) -> Poll<Result<T, ch15_runtime::JoinError>> {
    Pin::new(handle).poll(&mut Context::from_waker(Waker::noop()))
}

// ANCHOR: drops
#[test]
fn dropping_the_runtime_drops_every_future_once() {
    let drops = Drops::default();
    let runtime = Runtime::new().unwrap();
    let d = drops.clone();
    let (mut handles, sender) = runtime.block_on(async move {
        let mut handles = Vec::new();
        // 1. Waits for a value nobody will send (its sender lives on).
        let (tx, rx) = oneshot::channel::<()>();
        let w = d.witness();
        handles.push(spawn(async move {
            let _w = w;
            let _ = rx.await;
        }));
        // 2. Holds both ends of a channel: its waker is stored inside its
        //    own future, a cycle that only the runtime can break.
        let w = d.witness();
        handles.push(spawn(async move {
            let _w = w;
            let (_tx, mut rx) = channel::channel::<()>();
            rx.recv().await;
        }));
        // 3. Waits for another task's output.
        let w = d.witness();
        let inner = spawn(std::future::pending::<()>());
        handles.push(spawn(async move {
            let _w = w;
            let _ = inner.await;
        }));
        // 4. Sleeps, with its waker in the timer thread's table.
        let w = d.witness();
        handles.push(spawn(async move {
            let _w = w;
            sleep(Duration::from_secs(3600)).await;
        }));
        // Let 1 to 4 start waiting.
        yield_now().await;
        // 5. Queued, never polled: `block_on` returns first.
        let w = d.witness();
        handles.push(spawn(async move {
            let _w = w;
        }));
        // The sender lives on, outside the runtime, and never sends.
        (handles, tx)
    });
    assert_eq!(drops.count(), 0, "every task is still alive");
    drop(runtime);
    // Every future dropped exactly once, and every handle told.
    assert_eq!(drops.count(), 5);
    for (i, handle) in handles.iter_mut().enumerate() {
        let Poll::Ready(Err(error)) = peek(handle) else {
            panic!("task {} did not report its cancellation", i + 1);
        };
        assert!(error.is_cancelled());
    }
    drop(sender);
}
// ANCHOR_END: drops

#[test]
fn tasks_spawned_but_never_run_are_dropped_with_the_runtime() {
    let drops = Drops::default();
    let runtime = Runtime::new().unwrap();
    let mut handles: Vec<_> = (0..10)
        .map(|_| {
            let w = drops.witness();
            runtime.spawn(async move {
                let _w = w;
            })
        })
        .collect();
    drop(runtime);
    assert_eq!(drops.count(), 10);
    assert!(
        handles.iter_mut().all(
            |h| matches!(peek(h), Poll::Ready(Err(e)) if e.is_cancelled())
        )
    );
}

struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("a destructor that panics");
    }
}

#[test]
fn a_future_whose_destructor_panics_does_not_stop_the_shutdown() {
    let drops = Drops::default();
    let runtime = Runtime::new().unwrap();
    let mut first = runtime.spawn(async {
        let _bomb = PanicsOnDrop;
        std::future::pending::<()>().await;
    });
    let w = drops.witness();
    let mut second = runtime.spawn(async move {
        let _w = w;
        std::future::pending::<()>().await;
    });
    runtime.block_on(yield_now());
    drop(runtime);
    assert_eq!(drops.count(), 1, "the other task was shut down too");
    let Poll::Ready(Err(error)) = peek(&mut first) else {
        panic!("the first task did not report");
    };
    assert!(error.is_panic());
    assert!(
        matches!(peek(&mut second), Poll::Ready(Err(e)) if e.is_cancelled())
    );
}

#[test]
fn a_runtime_can_be_dropped_inside_another_runtimes_task() {
    let drops = Drops::default();
    let w = drops.witness();
    let inner = Runtime::new().unwrap();
    drop(inner.spawn(async move {
        let _w = w;
        std::future::pending::<()>().await;
    }));
    inner.block_on(yield_now());
    // `Runtime` stays on its thread, so this runs in the main future.
    ch15_runtime::block_on(async move {
        drop(inner);
    });
    assert_eq!(drops.count(), 1);
}
