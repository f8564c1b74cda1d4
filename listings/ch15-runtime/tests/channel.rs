//! The channel: values in order, from tasks and threads; `None` once every
//! sender is gone; `SendError` once the receiver is.

use std::thread;

use ch15_runtime::channel::{SendError, channel};
use ch15_runtime::{block_on, spawn};

#[test]
fn values_arrive_in_order_and_none_after_the_last_sender() {
    let received = block_on(async {
        let (tx, mut rx) = channel();
        let producer = spawn(async move {
            for i in 0..5 {
                tx.send(i).expect("the receiver is alive");
                ch15_runtime::yield_now().await;
            }
        });
        let mut received = Vec::new();
        while let Some(value) = rx.recv().await {
            received.push(value);
        }
        producer.await.expect("the producer completes");
        received
    });
    assert_eq!(received, vec![0, 1, 2, 3, 4]);
}

#[test]
fn senders_on_other_threads_wake_the_receiving_task() {
    let per_thread = if cfg!(miri) { 10 } else { 1000 };
    let total = block_on(async move {
        let (tx, mut rx) = channel::<u64>();
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let tx = tx.clone();
                thread::spawn(move || {
                    for i in 0..per_thread {
                        tx.send(i).expect("the receiver is alive");
                    }
                })
            })
            .collect();
        drop(tx);
        let mut total = 0;
        while let Some(value) = rx.recv().await {
            total += value;
        }
        for thread in threads {
            thread.join().expect("a sender panicked");
        }
        total
    });
    assert_eq!(total, 4 * per_thread * (per_thread - 1) / 2);
}

#[test]
fn send_fails_once_the_receiver_is_gone() {
    let (tx, rx) = channel();
    drop(rx);
    assert_eq!(tx.send("late"), Err(SendError("late")));
}

#[test]
fn two_tasks_ping_pong() {
    let rounds = if cfg!(miri) { 20 } else { 10_000 };
    let last = block_on(async move {
        let (ping_tx, mut ping_rx) = channel::<u32>();
        let (pong_tx, mut pong_rx) = channel::<u32>();
        let ponger = spawn(async move {
            while let Some(n) = ping_rx.recv().await {
                pong_tx.send(n + 1).expect("the pinger is alive");
            }
        });
        let mut n = 0;
        for _ in 0..rounds {
            ping_tx.send(n).expect("the ponger is alive");
            n = pong_rx.recv().await.expect("the ponger answers");
        }
        drop(ping_tx);
        ponger.await.expect("the ponger completes");
        n
    });
    assert_eq!(last, rounds);
}
