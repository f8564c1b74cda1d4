//! Does a second worker make CPU-bound work faster? `--tasks` tasks, each
//! a fixed amount of arithmetic, all spawned by one task (so that they
//! start on one worker and only stealing spreads them), on a
//! current-thread runtime and on multi-threaded ones with 1 and 2 workers.
//! Prints the fastest of `--runs` runs, how much CPU time the process used
//! meanwhile, and that as a share of the run's time (200 % is two CPUs
//! busy throughout: on a shared machine a second worker cannot help if no
//! second CPU is free), and each worker's share of the tasks. Build with `--release`. Usage:
//! `runtime-scaling [--tasks 256] [--work 100000] [--runs 5]`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ch15_runtime::harness::args::Args;
use ch15_runtime::harness::machine;
use ch15_runtime::harness::units::grouped;
use ch15_runtime::runtime::{Builder, Runtime, worker_index};
use ch15_runtime::spawn;

/// CPU time this process has used so far, all threads, user and system.
fn cpu_time() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: `usage` is a valid place for the kernel to write one
    // `rusage` into; RUSAGE_SELF cannot fail with a valid pointer.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let time = |t: libc::timeval| {
        Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// `rounds` steps of xorshift: work the optimiser cannot skip.
fn work(rounds: u32) -> u32 {
    let mut x = black_box(0x9E37_79B9u32);
    for _ in 0..rounds {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
    }
    x
}

// ANCHOR: batch
/// Runs `tasks` tasks of `rounds` steps each, spawned from one task; how
/// long it took, and how many tasks ran on each worker.
fn batch(runtime: &Runtime, tasks: usize, rounds: u32) -> (Duration, [u32; 2]) {
    runtime.block_on(async move {
        spawn(async move {
            let start = Instant::now();
            let handles: Vec<_> = (0..tasks)
                .map(|_| {
                    spawn(async move {
                        black_box(work(rounds));
                        worker_index().unwrap_or(0)
                    })
                })
                .collect();
            let mut ran_on = [0; 2];
            for handle in handles {
                ran_on[handle.await.expect("a task cannot fail") % 2] += 1;
            }
            (start.elapsed(), ran_on)
        })
        .await
        .expect("the batch cannot fail")
    })
}
// ANCHOR_END: batch

fn main() -> Result<(), String> {
    let args = Args::from_env(&["tasks", "work", "runs"])?;
    let tasks: usize = args.get_or("tasks", 256)?;
    let rounds: u32 = args.get_or("work", 100_000)?;
    let runs: usize = args.get_or("runs", 5)?;
    if tasks == 0 || runs == 0 {
        return Err("--tasks and --runs must be at least 1".into());
    }
    println!("{}", machine::line());
    println!(
        "{tasks} tasks of {} xorshift steps each, fastest of {runs} runs",
        grouped(f64::from(rounds), 0)
    );
    let build = |workers: Option<usize>| match workers {
        None => Builder::new_current_thread().build(),
        Some(n) => Builder::new_multi_thread().worker_threads(n).build(),
    };
    let mut one_thread = None;
    for (name, workers) in [
        ("current-thread", None),
        ("multi-thread, 1 worker", Some(1)),
        ("multi-thread, 2 workers", Some(2)),
    ] {
        let runtime = build(workers).map_err(|e| format!("{name}: {e}"))?;
        batch(&runtime, tasks, rounds); // warm up
        let (took, cpu, ran_on) = (0..runs)
            .map(|_| {
                let cpu = cpu_time();
                let (took, ran_on) = batch(&runtime, tasks, rounds);
                (took, cpu_time() - cpu, ran_on)
            })
            .min_by_key(|(took, _, _)| *took)
            .expect("at least one run");
        let ms = took.as_secs_f64() * 1e3;
        let base = *one_thread.get_or_insert(ms);
        let busy = 100.0 * cpu.as_secs_f64() / took.as_secs_f64();
        let cpu_ms = cpu.as_secs_f64() * 1e3;
        print!(
            "{name:<24} {ms:.1} ms, {:.2} x; CPU time {cpu_ms:.1} ms, {busy:.0} %",
            base / ms
        );
        if workers == Some(2) {
            let share = 100.0 * f64::from(ran_on[1]) / tasks as f64;
            print!("  (worker 1 ran {share:.0} % of the tasks)");
        }
        println!();
    }
    Ok(())
}
