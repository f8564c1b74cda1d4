//! What only the multi-threaded flavour does: tasks spawned on one worker
//! are stolen by the others, a full queue overflows without losing a task,
//! one new task wakes one sleeping worker (and its searcher passes the wake
//! on once), the LIFO slot runs the last woken task next, and idle workers
//! sleep instead of spinning.

use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use ch15_runtime::runtime::{Builder, Metrics, Runtime, worker_index};
use ch15_runtime::spawn;

fn multi(workers: usize) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .build()
        .unwrap()
}

/// Waits until every worker has published a park after `since`, or a
/// second has passed: the workers are asleep, and their counts current.
fn settle(runtime: &Runtime) -> Metrics {
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut last = runtime.metrics();
    while Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
        let now = runtime.metrics();
        if now == last {
            break;
        }
        last = now;
    }
    last
}

// ANCHOR: stealing
#[test]
fn tasks_spawned_on_one_worker_are_stolen_and_finish_on_both() {
    let runtime = multi(2);
    let ran_on = runtime.block_on(async {
        // One task spawns them all, on its worker: into its LIFO slot and
        // its queue, where only stealing can take them elsewhere.
        let batch = spawn(async {
            let handles: Vec<_> = (0..64)
                .map(|_| {
                    spawn(async {
                        // Work that keeps its worker busy for a while.
                        let until = Instant::now() + Duration::from_millis(2);
                        while Instant::now() < until {
                            std::hint::spin_loop();
                        }
                        worker_index().unwrap()
                    })
                })
                .collect();
            let mut ran_on = [0; 2];
            for handle in handles {
                ran_on[handle.await.unwrap()] += 1;
            }
            ran_on
        });
        batch.await.unwrap()
    });
    assert!(ran_on[0] > 0 && ran_on[1] > 0, "ran on {ran_on:?}");
    let metrics = settle(&runtime);
    assert!(metrics.steals > 0 && metrics.stolen > 0, "{metrics:?}");
}
// ANCHOR_END: stealing

#[test]
fn a_full_queue_overflows_into_the_injection_queue_and_loses_nothing() {
    let runtime = multi(2);
    let n: u64 = 2000;
    let sum = runtime.block_on(async move {
        spawn(async move {
            // More than a queue holds, spawned without a pause.
            let handles: Vec<_> =
                (0..n).map(|i| spawn(async move { i })).collect();
            let mut sum = 0;
            for handle in handles {
                sum += handle.await.unwrap();
            }
            sum
        })
        .await
        .unwrap()
    });
    assert_eq!(sum, n * (n - 1) / 2);
    let metrics = settle(&runtime);
    assert!(metrics.injected > 0, "{metrics:?}");
}

// ANCHOR: herd
#[test]
fn one_new_task_wakes_at_most_two_of_eight_sleeping_workers() {
    let runtime = multi(8);
    let before = settle(&runtime);
    for round in 0..20 {
        let output =
            runtime.block_on(async move { spawn(async move { round }).await });
        assert_eq!(output.unwrap(), round);
        let after = settle(&runtime);
        // One wake for the task; the woken worker, the last searcher once
        // it found the task, passes the search on to one more.
        let woken = after.unparks - before.unparks;
        assert!(woken <= 2 * (round + 1), "round {round}: {woken} wakes");
    }
}
// ANCHOR_END: herd

// ANCHOR: lifo
#[test]
fn the_lifo_slot_runs_the_last_woken_task_next() {
    for (lifo, expected) in [(true, [3, 1, 2]), (false, [1, 2, 3])] {
        let mut builder = Builder::new_multi_thread();
        builder.worker_threads(1);
        if !lifo {
            builder.disable_lifo_slot();
        }
        let runtime = builder.build().unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&order);
        runtime.block_on(async move {
            spawn(async move {
                // Spawned on the worker: each goes to the slot, pushing
                // the one before to the back of the queue.
                for i in 1..=3 {
                    let log = Arc::clone(&log);
                    spawn(async move { log.lock().unwrap().push(i) });
                }
            })
            .await
            .unwrap();
        });
        let wait = Instant::now() + Duration::from_secs(5);
        while order.lock().unwrap().len() < 3 && Instant::now() < wait {
            thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(*order.lock().unwrap(), expected, "LIFO slot {lifo}");
    }
}
// ANCHOR_END: lifo

#[test]
fn idle_workers_sleep_instead_of_spinning() {
    let runtime = multi(2);
    runtime.block_on(async {
        let handles: Vec<_> =
            (0..100).map(|i| spawn(async move { i })).collect();
        for handle in handles {
            handle.await.unwrap();
        }
    });
    let idle = settle(&runtime);
    thread::sleep(Duration::from_millis(200));
    let later = runtime.metrics();
    assert_eq!(
        (later.parks, later.polls, later.turns),
        (idle.parks, idle.polls, idle.turns),
        "the workers did something with nothing to do"
    );
}

#[test]
fn the_reactor_is_turned_by_whichever_worker_is_idle() {
    use ch15_runtime::io::{AsyncReadExt, AsyncWriteExt};
    use ch15_runtime::net::{TcpListener, TcpStream};
    let runtime = multi(2);
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = [0; 5];
            socket.read_exact(&mut buf).await.unwrap();
            socket.write_all(&buf).await.unwrap();
        });
        let mut client = TcpStream::connect(addr).await.unwrap();
        client.write_all(b"hello").await.unwrap();
        let mut echo = [0; 5];
        client.read_exact(&mut echo).await.unwrap();
        assert_eq!(&echo, b"hello");
        server.await.unwrap();
    });
    let metrics = settle(&runtime);
    assert!(metrics.turns > 0 && metrics.io_events > 0, "{metrics:?}");
}
