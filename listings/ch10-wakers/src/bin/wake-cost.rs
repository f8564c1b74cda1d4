//! What a wake costs, and what `waker_ref` saves per poll. Cases come in
//! pairs that are timed alternately, `--runs` times each, `--ops`
//! operations per run; each prints its fastest run in ns per operation. On
//! a shared machine other processes can only add time, so the fastest of
//! many short runs is the one they disturbed least, and alternating gives
//! both cases of a pair the same chances. Build with `--release`. Usage:
//! `wake-cost [--ops 200000] [--runs 31]`.

use std::future::{Future, poll_fn};
use std::hint::black_box;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use ch10_wakers::harness::args::Args;
use ch10_wakers::harness::machine;
use ch10_wakers::harness::units::grouped;
use ch10_wakers::{WakeCount, raw};
use futures_task::waker_ref;

/// Times `case(0, ops)` and `case(1, ops)` alternately, `runs` times each,
/// and returns each case's fastest run in nanoseconds per operation.
fn pair(
    runs: usize,
    ops: usize,
    mut case: impl FnMut(usize, usize),
) -> [f64; 2] {
    for which in [0, 1] {
        case(which, ops / 10); // warm up caches and branch predictors
    }
    let mut fastest = [f64::INFINITY; 2];
    for _ in 0..runs {
        for which in [0, 1] {
            let start = Instant::now();
            case(which, ops);
            let per_op = start.elapsed().as_nanos() as f64 / ops as f64;
            fastest[which] = fastest[which].min(per_op);
        }
    }
    fastest
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
    let ops: usize = args.get_or("ops", 200_000)?;
    let runs: usize = args.get_or("runs", 31)?;
    if ops < 10 || runs == 0 {
        return Err("--ops must be at least 10 and --runs at least 1".into());
    }
    println!("{}", machine::line());
    println!(
        "{} operations per run, fastest of {runs} runs",
        grouped(ops as f64, 0)
    );

    let task = WakeCount::new();
    let wakers = [
        raw::waker(Arc::clone(&task)),
        futures_task::waker(Arc::clone(&task)),
    ];
    let [hand, made] =
        pair(runs, ops, |which, n| wake_by_ref(&wakers[which], n));
    println!("a wake through a waker you hold (wake_by_ref):");
    show("hand-made vtable (raw::waker)", hand);
    show("futures-task (ArcWake)", made);
    let [hand, made] =
        pair(runs, ops, |which, n| clone_wake(&wakers[which], n));
    println!("clone the waker (register), then wake the clone by value:");
    show("hand-made vtable", hand);
    show("futures-task", made);

    let mut future = pin!(poll_fn(|cx: &mut Context<'_>| {
        black_box(cx.waker());
        Poll::<()>::Pending
    }));
    let mut future: PollOnce<'_> = future.as_mut();
    let polls: [fn(&Arc<WakeCount>, &mut PollOnce<'_>); 2] =
        [poll_with_waker_ref, poll_with_owned_waker];
    // `black_box` hides which future this is, so each poll is an indirect
    // call, as an executor's poll of a task is.
    let [borrowed, owned] = pair(runs, ops, |which, n| {
        for _ in 0..n {
            polls[which](black_box(&task), black_box(&mut future));
        }
    });
    println!("one poll, with a waker made for it:");
    show("waker_ref(&task): borrowed", borrowed);
    show("waker(task.clone()): owns a reference", owned);

    Ok(())
}
