//! The executor: `block_on` sleeps until woken, `spawn` runs tasks to
//! completion, `JoinHandle` carries outputs, panics and cancellations,
//! and the run queue is fair.

use std::future::poll_fn;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;
use std::thread;
use std::time::Duration;

use ch15_runtime::{Runtime, block_on, oneshot, spawn, task, yield_now};

/// Under Miri, loops run a few times instead of thousands.
fn scaled(n: usize) -> usize {
    if cfg!(miri) {
        n.div_ceil(1000).max(20)
    } else {
        n
    }
}

#[test]
fn a_ready_future_is_polled_once_and_the_thread_never_sleeps() {
    let runtime = Runtime::new().unwrap();
    assert_eq!(runtime.block_on(async { 7 }), 7);
    let metrics = runtime.metrics();
    assert_eq!((metrics.main_polls, metrics.parks), (1, 0));
}

#[test]
fn block_on_sleeps_until_a_wake_from_another_thread() {
    let runtime = Runtime::new().unwrap();
    let (tx, rx) = oneshot::channel();
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        tx.send("hello");
    });
    assert_eq!(runtime.block_on(rx), Ok("hello"));
    sender.join().expect("the sender panicked");
    // Polled before the send and after it, asleep in between: no spinning.
    let metrics = runtime.metrics();
    assert_eq!((metrics.main_polls, metrics.parks), (2, 1));
}

#[test]
fn spawned_tasks_run_and_their_handles_give_their_outputs() {
    let outputs = block_on(async {
        let handles: Vec<_> = (0..10u32)
            .map(|i| {
                spawn(async move {
                    for _ in 0..i {
                        yield_now().await;
                    }
                    i * i
                })
            })
            .collect();
        let mut outputs = Vec::new();
        for handle in handles {
            outputs.push(handle.await.expect("no task fails"));
        }
        outputs
    });
    assert_eq!(outputs, (0..10).map(|i| i * i).collect::<Vec<_>>());
}

#[test]
fn a_hundred_thousand_spawned_tasks_complete() {
    let n = scaled(100_000);
    let runtime = Runtime::new().unwrap();
    let sum = runtime.block_on(async move {
        let handles: Vec<_> =
            (0..n).map(|i| spawn(async move { i as u64 })).collect();
        let mut sum = 0;
        for handle in handles {
            sum += handle.await.expect("no task fails");
        }
        sum
    });
    let n64 = n as u64;
    assert_eq!(sum, n64 * (n64 - 1) / 2);
    assert_eq!(runtime.metrics().spawned, n64);
    assert_eq!(runtime.live_tasks(), 0);
}

#[test]
fn a_task_woken_from_another_thread_runs() {
    let runtime = Runtime::new().unwrap();
    let (tx, rx) = oneshot::channel::<u32>();
    let output = runtime.block_on(async move {
        let task = spawn(async move { rx.await.map(|n| n + 1) });
        let sender = thread::spawn(move || {
            thread::sleep(Duration::from_millis(10));
            tx.send(41);
        });
        let output = task.await;
        sender.join().expect("the sender panicked");
        output
    });
    assert_eq!(output.expect("the task completes"), Ok(42));
    assert!(runtime.metrics().parks >= 1);
}

type Log = Arc<Mutex<Vec<&'static str>>>;

fn log(log: &Log, what: &'static str) {
    log.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(what);
}

// ANCHOR: fairness
#[test]
fn a_task_that_wakes_itself_every_poll_does_not_starve_the_others() {
    let order = Log::default();
    let (spin_log, a_log, b_log) =
        (order.clone(), order.clone(), order.clone());
    block_on(async move {
        // Wakes itself at every poll, for longer than the others run.
        let spin = spawn(async move {
            for _ in 0..10 {
                log(&spin_log, "spin");
                yield_now().await;
            }
        });
        let a = spawn(async move {
            for _ in 0..3 {
                log(&a_log, "a");
                yield_now().await;
            }
        });
        let b = spawn(async move {
            for _ in 0..3 {
                log(&b_log, "b");
                yield_now().await;
            }
        });
        a.await.expect("a completes");
        b.await.expect("b completes");
        spin.abort();
    });
    // One poll each per round, in queue order: the spinning task goes to
    // the back every time, behind the others.
    let order = order.lock().unwrap_or_else(PoisonError::into_inner);
    let round = ["spin", "a", "b"];
    let expected: Vec<_> =
        round.repeat(3).into_iter().chain(["spin"]).collect();
    assert_eq!(*order, expected);
}
// ANCHOR_END: fairness

#[test]
fn a_panicking_task_gives_a_join_error_and_the_others_carry_on() {
    let (failed, fine) = block_on(async {
        let failing = spawn(async {
            yield_now().await;
            panic!("boom");
        });
        let fine = spawn(async {
            yield_now().await;
            yield_now().await;
            "still here"
        });
        (failing.await, fine.await)
    });
    let error = failed.expect_err("the task panicked");
    assert!(error.is_panic() && !error.is_cancelled());
    assert_eq!(error.to_string(), "task panicked: boom");
    let payload = error.into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    assert_eq!(fine.expect("the other task completes"), "still here");
}

#[test]
fn a_panic_in_the_main_future_reaches_the_caller_of_block_on() {
    let runtime = Runtime::new().unwrap();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(async {
            spawn(std::future::pending::<()>());
            panic!("main failed");
        })
    }));
    assert!(caught.is_err());
    // The runtime still works afterwards.
    assert_eq!(
        runtime.block_on(async { spawn(async { 5 }).await }).ok(),
        Some(5)
    );
}

#[test]
fn abort_cancels_a_waiting_task_and_drops_its_future() {
    let dropped = Arc::new(());
    let witness = Arc::clone(&dropped);
    let output = block_on(async move {
        let task = spawn(async move {
            let _witness = witness;
            std::future::pending::<()>().await;
        });
        yield_now().await; // let it start and wait
        task.abort();
        task.await
    });
    assert!(output.expect_err("aborted").is_cancelled());
    assert_eq!(Arc::strong_count(&dropped), 1, "the future was dropped");
}

#[test]
fn abort_before_the_first_poll_and_after_completion() {
    let (early, late) = block_on(async {
        let early = spawn(async { 1 });
        early.abort();
        let late = spawn(async { 2 });
        while !late.is_finished() {
            yield_now().await;
        }
        late.abort(); // too late: the output stays
        (early.await, late.await)
    });
    assert!(early.expect_err("never ran").is_cancelled());
    assert_eq!(late.ok(), Some(2));
}

#[test]
fn a_task_aborted_while_it_runs_is_dropped_after_that_poll() {
    let witness = Arc::new(());
    let (inside, reached) = (Arc::clone(&witness), Arc::new(Mutex::new(false)));
    let reached_inside = Arc::clone(&reached);
    let waiting = Arc::clone(&witness);
    block_on(async move {
        let (tx, rx) = oneshot::channel::<ch15_runtime::JoinHandle<()>>();
        let handle = spawn(async move {
            let _witness = inside;
            let me = rx.await.expect("sent its own handle");
            me.abort(); // while RUNNING: takes effect when this poll ends
            drop(me);
            yield_now().await;
            *reached_inside
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = true;
        });
        tx.send(handle);
        while Arc::strong_count(&waiting) > 2 {
            yield_now().await;
        }
    });
    assert_eq!(Arc::strong_count(&witness), 1, "the future was dropped");
    assert!(!*reached.lock().unwrap_or_else(PoisonError::into_inner));
}

#[test]
fn a_detached_task_runs_to_completion() {
    let (tx, rx) = oneshot::channel();
    let got = block_on(async move {
        drop(spawn(async move {
            yield_now().await;
            tx.send("done");
        }));
        rx.await
    });
    assert_eq!(got, Ok("done"));
}

#[test]
fn a_join_handle_can_be_awaited_on_another_thread() {
    let runtime = Runtime::new().unwrap();
    let (go_tx, go_rx) = oneshot::channel::<()>();
    let task = runtime.spawn(async move {
        go_rx.await.expect("told to go");
        7
    });
    let (done_tx, done_rx) = oneshot::channel();
    let joiner = thread::spawn(move || {
        // Another thread, its own runtime: the handle's waker is that
        // runtime's, woken from ours.
        let output = block_on(task);
        done_tx.send(output.ok());
    });
    let output = runtime.block_on(async move {
        go_tx.send(());
        done_rx.await.expect("the joiner reports")
    });
    joiner.join().expect("the joiner panicked");
    assert_eq!(output, Some(7));
}

#[test]
#[should_panic(expected = "outside a runtime")]
fn spawn_outside_a_runtime_panics() {
    drop(spawn(async {}));
}

#[test]
#[should_panic(expected = "cannot run a runtime inside another")]
fn block_on_inside_block_on_panics() {
    block_on(async { block_on(async {}) });
}

// ANCHOR: no_clone
#[test]
fn each_poll_lends_the_same_waker_and_clones_none() {
    let seen = block_on(async {
        spawn(async {
            let mut seen = Vec::new();
            let mut first = None;
            poll_fn(|cx| {
                let waker = cx.waker();
                let same = first.get_or_insert_with(|| waker.clone());
                seen.push((task::references(waker), same.will_wake(waker)));
                if seen.len() == 4 {
                    return Poll::Ready(());
                }
                waker.wake_by_ref();
                Poll::Pending
            })
            .await;
            seen
        })
        .await
        .expect("the task completes")
    });
    // The list, the queue entry, the handle, and our one clone `first`:
    // the same four references at every poll, and the same task.
    assert_eq!(seen, vec![(Some(4), true); 4]);
}
// ANCHOR_END: no_clone

#[test]
fn many_wakes_during_one_poll_make_one_more_poll() {
    let polls = block_on(async {
        spawn(async {
            let mut polls = 0;
            poll_fn(|cx| {
                polls += 1;
                if polls == 2 {
                    return Poll::Ready(());
                }
                for _ in 0..100 {
                    cx.waker().wake_by_ref();
                }
                Poll::Pending
            })
            .await;
            polls
        })
        .await
        .expect("the task completes")
    });
    assert_eq!(polls, 2);
}

#[test]
fn a_main_future_woken_by_a_task_on_its_thread_is_polled_without_sleeping() {
    let runtime = Runtime::new().unwrap();
    let (tx, rx) = oneshot::channel();
    let got = runtime.block_on(async move {
        spawn(async move {
            yield_now().await;
            tx.send(3);
        });
        rx.await
    });
    assert_eq!(got, Ok(3));
    assert_eq!(runtime.metrics().parks, 0);
}
