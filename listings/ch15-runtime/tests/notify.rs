//! Wakes from other threads reach a runtime asleep in `epoll_wait` through
//! the eventfd, and a burst of them costs one `write`: the kernel's own
//! count of the waking thread's write calls says so.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;

use ch15_runtime::harness::procfs;
use ch15_runtime::{Runtime, spawn, yield_now};

/// This thread's write-like system calls, as the kernel counts them.
fn writes() -> u64 {
    let io = std::fs::read_to_string("/proc/thread-self/io").unwrap();
    procfs::field(&io, "syscw").unwrap()
}

/// A future that is ready once `go` is set, and meanwhile leaves its waker
/// in `wakers`.
struct WaitFor {
    go: Arc<AtomicBool>,
    wakers: Arc<Mutex<Vec<Waker>>>,
}

impl Future for WaitFor {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut wakers = self.wakers.lock().unwrap();
        if self.go.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        wakers.push(cx.waker().clone());
        Poll::Pending
    }
}

/// Spawns `tasks` waiting tasks, lets each leave its waker, then wakes them
/// all from another thread while the runtime's thread is busy. Returns the
/// write calls the waking thread made.
async fn burst(tasks: usize) -> u64 {
    let go = Arc::new(AtomicBool::new(false));
    let wakers = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let (go, wakers) = (Arc::clone(&go), Arc::clone(&wakers));
            spawn(WaitFor { go, wakers })
        })
        .collect();
    while wakers.lock().unwrap().len() < tasks {
        yield_now().await;
    }
    // The main future blocks its thread until the burst is over: the
    // runtime cannot reach epoll_wait in between.
    let waker_thread = thread::spawn(move || {
        let before = writes();
        go.store(true, Ordering::Release);
        for waker in wakers.lock().unwrap().drain(..) {
            waker.wake();
        }
        writes() - before
    });
    let written = waker_thread.join().unwrap();
    for handle in handles {
        handle.await.unwrap();
    }
    written
}

// ANCHOR: burst
#[test]
fn a_burst_of_wakes_from_another_thread_costs_one_write() {
    let runtime = Runtime::new().unwrap();
    runtime.block_on(async {
        assert_eq!(burst(1000).await, 1, "a thousand wakes, one write");
        // The reactor has turned since, and consumed the first: the next
        // burst writes again, once.
        assert_eq!(burst(10).await, 1);
    });
    assert_eq!(runtime.metrics().polls, 2 * (1000 + 10));
}
// ANCHOR_END: burst

#[test]
fn a_runtime_asleep_in_epoll_wait_wakes_for_another_threads_wake() {
    let runtime = Runtime::new().unwrap();
    let go = Arc::new(AtomicBool::new(false));
    let wakers = Arc::new(Mutex::new(Vec::<Waker>::new()));
    let waker_thread = {
        let (go, wakers) = (Arc::clone(&go), Arc::clone(&wakers));
        thread::spawn(move || {
            // Wait until the main future has left its waker and the
            // runtime has had every chance to fall asleep.
            while wakers.lock().unwrap().is_empty() {
                thread::yield_now();
            }
            thread::sleep(std::time::Duration::from_millis(50));
            go.store(true, Ordering::Release);
            for waker in wakers.lock().unwrap().drain(..) {
                waker.wake();
            }
        })
    };
    runtime.block_on(WaitFor { go, wakers });
    waker_thread.join().unwrap();
    let metrics = runtime.metrics();
    assert_eq!(metrics.main_polls, 2);
    assert!(metrics.parks >= 1, "{metrics:?}");
}
