//! What a wake costs, and what `waker_ref` saves per poll. Each case runs
//! `--ops` operations, `--runs` times, and prints its fastest run in ns per
//! operation: on a shared machine, other processes can only add time, so
//! the fastest run is the one they disturbed least. Build with `--release`.
//! Usage: `wake-cost [--ops 2000000] [--runs 7]`.

use std::future::{Future, poll_fn};
use std::hint::black_box;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Instant;

use ch10_wakers::harness::args::Args;
use ch10_wakers::harness::machine;
use ch10_wakers::harness::units::grouped;
use ch10_wakers::{WakeCount, raw};
use futures_task::waker_ref;

/// Nanoseconds per operation in the fastest of `runs` runs of `ops`
/// operations each.
fn measure(runs: usize, ops: usize, mut run: impl FnMut(usize)) -> f64 {
    run(ops / 10); // warm up caches and the branch predictor
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            run(ops);
            start.elapsed().as_nanos() as f64 / ops as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn show(what: &str, ns: f64) {
    println!("  {what:<44} {:>7} ns", grouped(ns, 1));
}

// ANCHOR: per_poll
/// One poll of a future that looks at its waker, with the waker borrowed
/// from the task's `Arc`: no reference is taken.
fn poll_with_waker_ref(task: &Arc<WakeCount>, future: &mut PollOnce<'_>) {
    let waker = waker_ref(task);
    let mut cx = Context::from_waker(&waker);
    let _ = future.as_mut().poll(&mut cx);
}

/// The same poll with a waker that owns a reference: one increment of the
/// strong count to make it, one decrement to drop it.
fn poll_with_owned_waker(task: &Arc<WakeCount>, future: &mut PollOnce<'_>) {
    let waker = futures_task::waker(Arc::clone(task));
    let mut cx = Context::from_waker(&waker);
    let _ = future.as_mut().poll(&mut cx);
}
// ANCHOR_END: per_poll

// ANCHOR: wakes
fn wake_by_ref(waker: &Waker, n: usize) {
    for _ in 0..n {
        black_box(waker).wake_by_ref();
    }
}

/// What a registration and its wake cost together: the future stores a
/// clone, and the event source later wakes that clone by value.
fn clone_wake(waker: &Waker, n: usize) {
    for _ in 0..n {
        let stored = black_box(waker.clone());
        stored.wake();
    }
}
// ANCHOR_END: wakes

type PollOnce<'a> = std::pin::Pin<&'a mut dyn Future<Output = ()>>;

fn main() -> Result<(), String> {
    let args = Args::from_env(&["ops", "runs"])?;
    let ops: usize = args.get_or("ops", 2_000_000)?;
    let runs: usize = args.get_or("runs", 7)?;
    if ops < 10 || runs == 0 {
        return Err("--ops must be at least 10 and --runs at least 1".into());
    }
    println!("{}", machine::line());
    println!(
        "{} operations per run, fastest of {runs} runs",
        grouped(ops as f64, 0)
    );

    let task = WakeCount::new();
    let hand = raw::waker(Arc::clone(&task));
    let crate_made = futures_task::waker(Arc::clone(&task));
    let wakes = |waker: &Waker| measure(runs, ops, |n| wake_by_ref(waker, n));
    let clones = |waker: &Waker| measure(runs, ops, |n| clone_wake(waker, n));
    println!("a wake through a waker you hold (wake_by_ref):");
    show("hand-made vtable (raw::waker)", wakes(&hand));
    show("futures-task (ArcWake)", wakes(&crate_made));
    println!("clone the waker (register), then wake the clone by value:");
    show("hand-made vtable", clones(&hand));
    show("futures-task", clones(&crate_made));

    let mut future = pin!(poll_fn(|cx: &mut Context<'_>| {
        black_box(cx.waker());
        Poll::<()>::Pending
    }));
    let mut future: PollOnce<'_> = future.as_mut();
    // `black_box` hides which future this is, so each poll is an indirect
    // call, as an executor's poll of a task is.
    let mut per_poll = |with: fn(&Arc<WakeCount>, &mut PollOnce<'_>)| {
        measure(runs, ops, |n| {
            for _ in 0..n {
                with(black_box(&task), black_box(&mut future));
            }
        })
    };
    println!("one poll, with a waker made for it:");
    show("waker_ref(&task): borrowed", per_poll(poll_with_waker_ref));
    show(
        "waker(task.clone()): owns a reference",
        per_poll(poll_with_owned_waker),
    );

    // Another thread wakes the same task all along, as a reactor would:
    // its writes to the task's cache line meet the poller's count updates.
    let stop = Arc::new(AtomicBool::new(false));
    let waking = {
        let (stop, waker) = (Arc::clone(&stop), hand.clone());
        thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                waker.wake_by_ref();
            }
        })
    };
    println!("the same, while another thread wakes the task in a loop:");
    show("waker_ref(&task)", per_poll(poll_with_waker_ref));
    show("waker(task.clone())", per_poll(poll_with_owned_waker));
    stop.store(true, Ordering::Relaxed);
    waking.join().map_err(|_| "the waking thread panicked")?;
    Ok(())
}
