//! What the executor costs, next to what chapter 1's OS threads and
//! chapter 4's green threads cost, all measured in this one run: spawning
//! a task, and handing control from one task to another. Each case runs
//! `--runs` times and prints its fastest run: on a shared machine other
//! processes can only add time. Build with `--release`. Usage:
//! `costs [--tasks 100000] [--rounds 200000] [--os-rounds 5000] [--runs 9]`.

use std::time::{Duration, Instant};

use ch11_executor::baseline;
use ch11_executor::channel::channel;
use ch11_executor::harness::args::Args;
use ch11_executor::harness::machine;
use ch11_executor::harness::units::grouped;
use ch11_executor::{Runtime, spawn, yield_now};

// ANCHOR: spawn
/// Spawns `n` empty tasks, then awaits every handle: each task is
/// allocated, queued, polled once, completed, joined and freed.
fn spawn_and_join(runtime: &Runtime, n: usize) -> Duration {
    runtime.block_on(async move {
        let start = Instant::now();
        let handles: Vec<_> = (0..n).map(|_| spawn(async {})).collect();
        for handle in handles {
            handle.await.expect("an empty task cannot fail");
        }
        start.elapsed()
    })
}
// ANCHOR_END: spawn

// ANCHOR: handoffs
/// Two tasks that yield to each other `rounds` times each: every poll
/// ends with the task at the back of the queue and the other one next.
fn yield_handoffs(runtime: &Runtime, rounds: u64) -> Duration {
    runtime.block_on(async move {
        let start = Instant::now();
        let players: Vec<_> = (0..2)
            .map(|_| {
                spawn(async move {
                    for _ in 0..rounds {
                        yield_now().await;
                    }
                })
            })
            .collect();
        for player in players {
            player.await.expect("a player cannot fail");
        }
        start.elapsed()
    })
}

/// Two tasks that pass a number back and forth through two channels
/// `rounds` times: each message wakes the task waiting for it.
fn channel_handoffs(runtime: &Runtime, rounds: u64) -> Duration {
    runtime.block_on(async move {
        let (ping_tx, mut ping_rx) = channel::<u64>();
        let (pong_tx, mut pong_rx) = channel::<u64>();
        let start = Instant::now();
        let ponger = spawn(async move {
            while let Some(n) = ping_rx.recv().await {
                if pong_tx.send(n + 1).is_err() {
                    break;
                }
            }
        });
        let pinger = spawn(async move {
            let mut n = 0;
            for _ in 0..rounds {
                ping_tx.send(n).expect("the ponger is alive");
                n = pong_rx.recv().await.expect("the ponger answers");
            }
        });
        pinger.await.expect("the pinger cannot fail");
        ponger.await.expect("the ponger cannot fail");
        start.elapsed()
    })
}
// ANCHOR_END: handoffs

/// The fastest of `runs` runs of `case`, in nanoseconds per `per`.
fn fastest(
    runs: usize,
    per: u64,
    mut case: impl FnMut() -> Result<Duration, String>,
) -> Result<f64, String> {
    case()?; // warm up: caches, branch predictors, the allocator's pools
    let mut best = f64::INFINITY;
    for _ in 0..runs {
        let ns = case()?.as_nanos() as f64 / per as f64;
        best = best.min(ns);
    }
    Ok(best)
}

fn show(what: &str, ns: f64, unit: &str) {
    println!("  {what:<42} {} ns {unit}", grouped(ns, 1));
}

fn main() -> Result<(), String> {
    let args = Args::from_env(&["tasks", "rounds", "os-rounds", "runs"])?;
    let tasks: usize = args.get_or("tasks", 100_000)?;
    let rounds: u64 = args.get_or("rounds", 200_000)?;
    let os_rounds: u64 = args.get_or("os-rounds", 5_000)?;
    let runs: usize = args.get_or("runs", 9)?;
    if tasks == 0 || rounds == 0 || os_rounds == 0 || runs == 0 {
        return Err("every count must be at least 1".into());
    }
    println!("{}", machine::line());
    println!("fastest of {runs} runs each");

    let runtime = Runtime::new();
    println!("our executor (one thread):");
    let ns =
        fastest(runs, tasks as u64, || Ok(spawn_and_join(&runtime, tasks)))?;
    show(
        &format!("spawn + run + join, {} tasks", grouped(tasks as f64, 0)),
        ns,
        "per task",
    );
    let handoffs = 2 * rounds;
    let ns = fastest(runs, handoffs, || Ok(yield_handoffs(&runtime, rounds)))?;
    show("task hand-off, yield_now", ns, "per hand-off");
    let ns =
        fastest(runs, handoffs, || Ok(channel_handoffs(&runtime, rounds)))?;
    show("task hand-off, channel ping-pong", ns, "per hand-off");

    println!("chapter 4's green threads:");
    let ns = fastest(runs, handoffs, || {
        baseline::green_switches(rounds).map_err(|e| format!("green: {e}"))
    })?;
    show("bare context switch", ns, "per switch");

    println!("chapter 1's OS threads, a byte through two pipes:");
    let cpus = baseline::allowed_cpus().map_err(|e| e.to_string())?;
    let mut placements = vec![("same CPU", cpus[0], cpus[0])];
    if let Some(&second) = cpus.get(1) {
        placements.push(("two CPUs", cpus[0], second));
    }
    for (label, a, b) in placements {
        let ns = fastest(runs.min(3), 2 * os_rounds, || {
            baseline::os_handoffs(os_rounds, a, b).map_err(|e| e.to_string())
        })?;
        show(&format!("hand-off, {label}"), ns, "per hand-off");
    }
    Ok(())
}
