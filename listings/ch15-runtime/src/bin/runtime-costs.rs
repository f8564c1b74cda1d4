//! What each flavour of the runtime costs, measured in one run: spawning a
//! task (from inside a task, and from `block_on`'s thread, outside the
//! workers) and handing control from one task to another through a
//! channel. Each case runs `--runs` times on each runtime, the runtimes
//! taking turns, and prints each one's fastest run: on a shared machine
//! other processes can only add time. Build with
//! `--release`. Usage:
//! `runtime-costs [--tasks 50000] [--rounds 20000] [--runs 7]`.

use std::time::{Duration, Instant};

use ch15_runtime::channel::channel;
use ch15_runtime::harness::args::Args;
use ch15_runtime::harness::machine;
use ch15_runtime::harness::units::grouped;
use ch15_runtime::runtime::{Builder, Runtime};
use ch15_runtime::spawn;

// ANCHOR: flavours
/// The runtimes compared, each with its name.
fn flavours() -> std::io::Result<Vec<(&'static str, Runtime)>> {
    Ok(vec![
        ("current-thread", Builder::new_current_thread().build()?),
        // Chapter 12's rule: a look at the reactor after every round.
        (
            "current-thread, interval 1",
            Builder::new_current_thread().event_interval(1).build()?,
        ),
        (
            "multi-thread, 1 worker",
            Builder::new_multi_thread().worker_threads(1).build()?,
        ),
        (
            "multi-thread, 2 workers",
            Builder::new_multi_thread().worker_threads(2).build()?,
        ),
        (
            "2 workers, no LIFO slot",
            Builder::new_multi_thread()
                .worker_threads(2)
                .disable_lifo_slot()
                .build()?,
        ),
    ])
}
// ANCHOR_END: flavours

// ANCHOR: spawn
/// Spawns `n` empty tasks, then awaits every handle. `inside`: from a
/// task, so that on a worker each spawn is a local push; otherwise from
/// the future `block_on` runs, which on a multi-threaded runtime is a
/// thread outside the workers: each spawn goes through the injection
/// queue and may wake a worker.
fn spawn_and_join(runtime: &Runtime, n: usize, inside: bool) -> Duration {
    let batch = async move {
        let start = Instant::now();
        let handles: Vec<_> = (0..n).map(|_| spawn(async {})).collect();
        for handle in handles {
            handle.await.expect("an empty task cannot fail");
        }
        start.elapsed()
    };
    runtime.block_on(async move {
        if inside {
            spawn(batch).await.expect("the batch cannot fail")
        } else {
            batch.await
        }
    })
}
// ANCHOR_END: spawn

// ANCHOR: ping_pong
/// Two tasks that pass a number back and forth through two channels
/// `rounds` times: each message wakes the task that waits for it.
fn ping_pong(runtime: &Runtime, rounds: u64) -> Duration {
    runtime.block_on(async move {
        let (ping_tx, mut ping_rx) = channel::<u64>();
        let (pong_tx, mut pong_rx) = channel::<u64>();
        let ponger = spawn(async move {
            while let Some(n) = ping_rx.recv().await {
                if pong_tx.send(n + 1).is_err() {
                    break;
                }
            }
        });
        let pinger = spawn(async move {
            let start = Instant::now();
            let mut n = 0;
            for _ in 0..rounds {
                ping_tx.send(n).expect("the ponger is alive");
                n = pong_rx.recv().await.expect("the ponger answers");
            }
            start.elapsed()
        });
        let took = pinger.await.expect("the pinger cannot fail");
        ponger.await.expect("the ponger cannot fail");
        took
    })
}
// ANCHOR_END: ping_pong

/// For each runtime, the fastest of `runs` runs of `case`, in nanoseconds
/// per `per`. The runtimes take turns, run by run, so that a slow minute
/// on a shared machine slows one run of each rather than every run of one.
fn fastest(
    runtimes: &[(&str, Runtime)],
    runs: usize,
    per: u64,
    case: impl Fn(&Runtime) -> Duration,
) -> Vec<f64> {
    let mut best = vec![f64::INFINITY; runtimes.len()];
    // One run more than asked: the first warms up caches, the allocator's
    // pools and sleeping workers, and is left out.
    for run in 0..=runs {
        for ((_, runtime), best) in runtimes.iter().zip(&mut best) {
            let ns = case(runtime).as_nanos() as f64 / per as f64;
            if run > 0 {
                *best = best.min(ns);
            }
        }
    }
    best
}

/// One line per flavour: the padding goes before the number, so that
/// only the measured values differ between two runs.
fn show(what: &str, unit: &str, names: &[&str], values: &[f64]) {
    println!("{what}:");
    for (name, ns) in names.iter().zip(values) {
        println!("  {name:<28} {} ns {unit}", grouped(*ns, 0));
    }
}

fn main() -> Result<(), String> {
    let args = Args::from_env(&["tasks", "rounds", "runs"])?;
    let tasks: usize = args.get_or("tasks", 50_000)?;
    let rounds: u64 = args.get_or("rounds", 20_000)?;
    let runs: usize = args.get_or("runs", 7)?;
    if tasks == 0 || rounds == 0 || runs == 0 {
        return Err("every count must be at least 1".into());
    }
    println!("{}", machine::line());
    println!(
        "fastest of {runs} runs; {} tasks, {} round trips",
        grouped(tasks as f64, 0),
        grouped(rounds as f64, 0)
    );
    let flavours = flavours().map_err(|e| format!("cannot build: {e}"))?;
    let names: Vec<&str> = flavours.iter().map(|(name, _)| *name).collect();
    let per_task = |inside| {
        fastest(&flavours, runs, tasks as u64, |runtime| {
            spawn_and_join(runtime, tasks, inside)
        })
    };
    let from_task = per_task(true);
    show("spawn + join, from a task", "per task", &names, &from_task);
    let from_block_on = per_task(false);
    show(
        "spawn + join, from block_on",
        "per task",
        &names,
        &from_block_on,
    );
    let hand_offs = fastest(&flavours, runs, 2 * rounds, |runtime| {
        ping_pong(runtime, rounds)
    });
    show("channel ping-pong", "per hand-off", &names, &hand_offs);
    Ok(())
}
