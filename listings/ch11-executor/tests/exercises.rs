//! The exercises' solutions: `JoinSet`, a poll counter, `timeout`.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use ch11_executor::exercises::counted::counted;
use ch11_executor::exercises::join_set::JoinSet;
use ch11_executor::exercises::timeout::{Elapsed, timeout};
use ch11_executor::{block_on, sleep, spawn, yield_now};

async fn yields(times: u32) -> u32 {
    for _ in 0..times {
        yield_now().await;
    }
    times
}

#[test]
fn a_join_set_gives_outputs_in_the_order_tasks_finish() {
    let order = block_on(async {
        let mut set = JoinSet::new();
        for times in [3, 0, 2, 1] {
            set.spawn(yields(times));
        }
        let mut order = Vec::new();
        while let Some(output) = set.join_next().await {
            order.push(output.expect("no task fails"));
        }
        order
    });
    assert_eq!(order, [0, 1, 2, 3]);
}

#[test]
fn dropping_a_join_set_aborts_its_tasks() {
    let witness = Arc::new(());
    let inside = Arc::clone(&witness);
    block_on(async move {
        let mut set = JoinSet::new();
        set.spawn(async move {
            let _inside = inside;
            std::future::pending::<()>().await;
        });
        yield_now().await; // it starts and waits
        drop(set);
        yield_now().await; // the executor drops its future
    });
    assert_eq!(Arc::strong_count(&witness), 1);
}

#[test]
fn the_poll_counter_sees_one_poll_per_round_for_every_task() {
    let counts = block_on(async {
        let (spin, spin_polls) = counted(async {
            loop {
                yield_now().await;
            }
        });
        let spin = spawn(spin);
        let mut others = Vec::new();
        for times in [2, 5] {
            let (future, polls) = counted(yields(times));
            others.push((spawn(future), polls));
        }
        let mut counts = Vec::new();
        for (handle, polls) in others {
            handle.await.expect("no task fails");
            counts.push(polls.load(Ordering::Relaxed));
        }
        spin.abort();
        counts.push(spin_polls.load(Ordering::Relaxed));
        counts
    });
    // Yielding n times takes n + 1 polls; the spinner got one per round
    // while the longest of the others ran.
    assert_eq!(counts, [3, 6, 6]);
}

#[test]
fn timeout_returns_the_output_of_a_fast_future() {
    let output = block_on(timeout(Duration::from_secs(60), yields(3)));
    assert_eq!(output, Ok(3));
}

#[test]
fn timeout_gives_up_on_a_slow_future_and_drops_it() {
    let witness = Arc::new(());
    let inside = Arc::clone(&witness);
    let start = Instant::now();
    let output = block_on(timeout(Duration::from_millis(20), async move {
        let _inside = inside;
        sleep(Duration::from_secs(3600)).await;
    }));
    assert_eq!(output, Err(Elapsed));
    assert!(start.elapsed() >= Duration::from_millis(20));
    assert_eq!(
        Arc::strong_count(&witness),
        1,
        "the slow future was dropped"
    );
}
