//! The same behaviour from both flavours: each test runs once on a
//! current-thread runtime and once on a multi-threaded one with two
//! workers. Spawning and joining, wakes from other threads, panics that
//! stay in their task, aborts, timers, sockets, `block_on` inside a task,
//! and a shutdown that drops every future once.
//!
//! These tests touch the kernel only through epoll and eventfd (sockets
//! excepted, below), so they run under Miri too, which then checks every
//! memory access of the multi-threaded scheduler's queues as its threads
//! really race.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use ch15_runtime::runtime::{Builder, Flavor, Runtime};
use ch15_runtime::{
    JoinError, JoinHandle, channel, oneshot, sleep, spawn, yield_now,
};

/// Under Miri, loops run a few times instead of thousands.
fn scaled(n: usize) -> usize {
    if cfg!(miri) {
        n.div_ceil(1000).max(20)
    } else {
        n
    }
}

/// A current-thread runtime, then a multi-threaded one with two workers.
fn runtimes() -> [Runtime; 2] {
    [
        Builder::new_current_thread().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
    ]
}

/// Runs `test` on each flavour, naming the flavour if it fails.
fn on_both(test: impl Fn(&Runtime)) {
    for runtime in runtimes() {
        let flavor = runtime.flavor();
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                test(&runtime)
            }));
        if let Err(panic) = result {
            eprintln!("failed on the {flavor:?} flavour");
            std::panic::resume_unwind(panic);
        }
    }
}

/// Waits until `done` says yes: a worker removes a completed task from
/// the runtime's list just after its `JoinHandle` has been woken, so the
/// list may lag the awaited outputs by a moment.
fn eventually(done: impl Fn() -> bool) -> bool {
    for _ in 0..1000 {
        if done() {
            return true;
        }
        thread::sleep(Duration::from_millis(1));
    }
    done()
}

/// Counts how often values it made are dropped.
#[derive(Clone, Default)]
struct Drops(Arc<AtomicUsize>);

struct Witness(Drops);

impl Drop for Witness {
    fn drop(&mut self) {
        self.0.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Drops {
    fn witness(&self) -> Witness {
        Witness(self.clone())
    }
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Polls a `JoinHandle` once, with no runtime around.
fn peek<T>(handle: &mut JoinHandle<T>) -> Poll<Result<T, JoinError>> {
    Pin::new(handle).poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn many_tasks_spawned_from_the_main_future_and_from_tasks_complete() {
    on_both(|runtime| {
        let n = scaled(20_000);
        let sum = runtime.block_on(async move {
            // Half spawned here, half by tasks (on a worker: locally).
            let outer: Vec<_> = (0..n / 2)
                .map(|i| {
                    spawn(async move {
                        let inner = spawn(async move { i as u64 });
                        i as u64 + inner.await.unwrap()
                    })
                })
                .collect();
            let mut sum = 0;
            for handle in outer {
                sum += handle.await.unwrap();
            }
            sum
        });
        let half = (n / 2) as u64;
        assert_eq!(sum, half * (half - 1));
        assert_eq!(runtime.metrics().spawned, 2 * half);
        assert!(eventually(|| runtime.live_tasks() == 0));
    });
}

#[test]
fn runtime_spawn_runs_tasks_even_before_block_on() {
    on_both(|runtime| {
        let handle = runtime.spawn(async { 40 + 2 });
        assert_eq!(runtime.block_on(handle).unwrap(), 42);
    });
}

#[test]
fn a_task_woken_from_another_thread_runs() {
    on_both(|runtime| {
        let (tx, rx) = oneshot::channel::<u32>();
        let output = runtime.block_on(async move {
            let task = spawn(async move { rx.await.map(|n| n + 1) });
            let sender = thread::spawn(move || {
                thread::sleep(Duration::from_millis(10));
                tx.send(41);
            });
            let output = task.await;
            sender.join().unwrap();
            output
        });
        assert_eq!(output.unwrap(), Ok(42));
    });
}

#[test]
fn a_storm_of_wakes_from_other_threads_loses_none() {
    on_both(|runtime| {
        let n = scaled(20_000);
        let (tx, mut rx) = channel::channel::<usize>();
        let received = runtime.block_on(async move {
            let receiver = spawn(async move {
                let mut sum = 0;
                while let Some(i) = rx.recv().await {
                    sum += i;
                }
                sum
            });
            let senders: Vec<_> = (0..2)
                .map(|s| {
                    let tx = tx.clone();
                    thread::spawn(move || {
                        for i in 0..n / 2 {
                            tx.send(s * (n / 2) + i).unwrap();
                        }
                    })
                })
                .collect();
            drop(tx);
            for sender in senders {
                sender.join().unwrap();
            }
            receiver.await.unwrap()
        });
        assert_eq!(received, n * (n - 1) / 2);
    });
}

// ANCHOR: panics
#[test]
fn a_panic_stays_in_its_task_and_every_worker_carries_on() {
    on_both(|runtime| {
        let tasks = scaled(40);
        let (panics, sums) = runtime.block_on(async move {
            // Panicking tasks and working tasks, mixed, so that on two
            // workers each of them meets some of the panics.
            let handles: Vec<_> = (0..tasks)
                .map(|i| {
                    spawn(async move {
                        yield_now().await;
                        if i % 2 == 0 {
                            panic!("task {i} fails");
                        }
                        i
                    })
                })
                .collect();
            let (mut panics, mut sum) = (0, 0);
            for (i, handle) in handles.into_iter().enumerate() {
                match handle.await {
                    Ok(value) => sum += value,
                    Err(error) => {
                        assert!(error.is_panic());
                        let message = error.into_panic();
                        let message = message.downcast_ref::<String>();
                        assert_eq!(message, Some(&format!("task {i} fails")));
                        panics += 1;
                    }
                }
            }
            // The runtime still runs tasks afterwards, on every worker.
            let after: Vec<_> =
                (0..tasks).map(|i| spawn(async move { i })).collect();
            let mut sums = 0;
            for handle in after {
                sums += handle.await.unwrap();
            }
            (panics, (sum, sums))
        });
        assert_eq!(panics, tasks / 2);
        let odd: usize = (0..tasks).filter(|i| i % 2 == 1).sum();
        assert_eq!(sums, (odd, tasks * (tasks - 1) / 2));
        assert!(eventually(|| runtime.live_tasks() == 0));
    });
}
// ANCHOR_END: panics

#[test]
fn a_panic_in_the_main_future_reaches_the_caller_and_the_runtime_lives() {
    on_both(|runtime| {
        let caught =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                runtime.block_on(async { panic!("main fails") })
            }));
        assert!(caught.is_err());
        let seven = runtime.block_on(async { spawn(async { 7 }).await });
        assert_eq!(seven.unwrap(), 7);
    });
}

#[test]
fn block_on_inside_a_task_fails_that_task_only() {
    on_both(|runtime| {
        let error = runtime.block_on(async {
            spawn(async {
                let inner = Builder::new_current_thread().build().unwrap();
                inner.block_on(async { 1 })
            })
            .await
            .unwrap_err()
        });
        assert!(error.is_panic());
        assert!(error.to_string().contains("inside another"), "{error}");
    });
}

#[test]
fn abort_cancels_a_waiting_task_and_drops_its_future() {
    on_both(|runtime| {
        let drops = Drops::default();
        let witness = drops.witness();
        let error = runtime.block_on(async move {
            let task = spawn(async move {
                let _witness = witness;
                std::future::pending::<()>().await;
            });
            yield_now().await;
            task.abort();
            task.await.unwrap_err()
        });
        assert!(error.is_cancelled());
        assert_eq!(drops.count(), 1);
    });
}

#[test]
fn timers_fire_on_workers_and_on_the_main_thread() {
    on_both(|runtime| {
        let order = runtime.block_on(async {
            let log = Arc::new(Mutex::new(Vec::new()));
            let tasks: Vec<_> = [30u64, 10, 20]
                .into_iter()
                .map(|ms| {
                    let log = Arc::clone(&log);
                    spawn(async move {
                        sleep(Duration::from_millis(ms)).await;
                        log.lock().unwrap().push(ms);
                    })
                })
                .collect();
            sleep(Duration::from_millis(5)).await;
            for task in tasks {
                task.await.unwrap();
            }
            Arc::try_unwrap(log).unwrap().into_inner().unwrap()
        });
        assert_eq!(order, [10, 20, 30]);
    });
}

#[test]
fn a_join_handle_can_be_awaited_by_another_task() {
    on_both(|runtime| {
        let n = scaled(2000);
        let total = runtime.block_on(async move {
            let chains: Vec<_> = (0..n)
                .map(|i| {
                    let first = spawn(async move {
                        yield_now().await;
                        i
                    });
                    spawn(async move { first.await.unwrap() * 2 })
                })
                .collect();
            let mut total = 0;
            for chain in chains {
                total += chain.await.unwrap();
            }
            total
        });
        assert_eq!(total, n * (n - 1));
    });
}

#[test]
fn a_waker_clone_woken_after_its_task_finished_does_nothing() {
    on_both(|runtime| {
        let stored = Arc::new(Mutex::new(None::<Waker>));
        let keep = Arc::clone(&stored);
        runtime.block_on(async move {
            spawn(poll_fn(move |cx| {
                *keep.lock().unwrap() = Some(cx.waker().clone());
                Poll::Ready(())
            }))
            .await
            .unwrap();
        });
        let waker = stored.lock().unwrap().take().unwrap();
        waker.wake_by_ref();
        drop(waker);
        assert!(eventually(|| runtime.live_tasks() == 0));
    });
}

// ANCHOR: shutdown
#[test]
fn dropping_the_runtime_drops_every_future_once() {
    for runtime in runtimes() {
        let drops = Drops::default();
        let d = drops.clone();
        let (mut handles, sender) = runtime.block_on(async move {
            let mut handles = Vec::new();
            // Waits for a value nobody sends (the sender lives on).
            let (tx, rx) = oneshot::channel::<()>();
            let w = d.witness();
            handles.push(spawn(async move {
                let _w = w;
                let _ = rx.await;
            }));
            // Holds both ends of a channel: a cycle only shutdown breaks.
            let w = d.witness();
            handles.push(spawn(async move {
                let _w = w;
                let (_tx, mut rx) = channel::channel::<()>();
                rx.recv().await;
            }));
            // Sleeps, with its waker in the timer thread's table.
            let w = d.witness();
            handles.push(spawn(async move {
                let _w = w;
                sleep(Duration::from_secs(3600)).await;
            }));
            // Keeps waking itself: queued, or running, at the shutdown.
            let w = d.witness();
            handles.push(spawn(async move {
                let _w = w;
                loop {
                    yield_now().await;
                }
            }));
            sleep(Duration::from_millis(5)).await;
            (handles, tx)
        });
        drop(runtime);
        assert_eq!(drops.count(), 4);
        for (i, handle) in handles.iter_mut().enumerate() {
            let Poll::Ready(Err(error)) = peek(handle) else {
                panic!("task {} did not report its cancellation", i + 1);
            };
            assert!(error.is_cancelled());
        }
        drop(sender);
    }
}
// ANCHOR_END: shutdown

#[test]
fn the_flavour_is_what_the_builder_said() {
    let [current, multi] = runtimes();
    assert_eq!(current.flavor(), Flavor::CurrentThread);
    assert_eq!(multi.flavor(), Flavor::MultiThread);
    assert_eq!(multi.worker_metrics().len(), 2);
}

#[test]
#[should_panic(expected = "at least one worker")]
fn zero_workers_is_refused() {
    Builder::new_multi_thread().worker_threads(0);
}

/// Sockets need the kernel's TCP, which Miri does not emulate.
#[cfg(not(miri))]
mod sockets {
    use super::*;
    use ch15_runtime::io::{AsyncReadExt, AsyncWriteExt};
    use ch15_runtime::net::{TcpListener, TcpStream};

    #[test]
    fn an_echo_over_loopback_with_many_clients() {
        on_both(|runtime| {
            let echoed = runtime.block_on(async {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                spawn(async move {
                    loop {
                        let (mut socket, _) = listener.accept().await.unwrap();
                        spawn(async move {
                            let mut buf = [0; 64];
                            loop {
                                let n = socket.read(&mut buf).await.unwrap();
                                if n == 0 {
                                    return;
                                }
                                socket.write_all(&buf[..n]).await.unwrap();
                            }
                        });
                    }
                });
                let clients: Vec<_> = (0..32u8)
                    .map(|i| {
                        spawn(async move {
                            let mut stream =
                                TcpStream::connect(addr).await.unwrap();
                            stream.set_nodelay(true).unwrap();
                            let mut total = 0;
                            for round in 0..20u8 {
                                let message = [i, round, 7];
                                stream.write_all(&message).await.unwrap();
                                let mut back = [0; 3];
                                stream.read_exact(&mut back).await.unwrap();
                                assert_eq!(back, message);
                                total += 3;
                            }
                            total
                        })
                    })
                    .collect();
                let mut echoed = 0;
                for client in clients {
                    echoed += client.await.unwrap();
                }
                echoed
            });
            assert_eq!(echoed, 32 * 20 * 3);
        });
    }
}
