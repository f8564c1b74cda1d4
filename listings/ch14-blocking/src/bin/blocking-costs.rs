//! What the blocking pool costs, and what its two settings buy:
//!
//! - the round trip of an empty job, from `spawn_blocking` to the awaiting
//!   task's next poll, with a thread waiting for it, and with none (a
//!   keep-alive of zero, so that every job starts a thread);
//! - a small file read with `std::fs::read` on the runtime's thread and
//!   with `fs::read` on the pool;
//! - a burst of slow jobs under caps of 4, 16, 64 and 512 threads: how
//!   long the burst takes, and how many threads it starts;
//! - first of all, the memory an idle pool thread holds while it waits out
//!   its keep-alive.
//!
//! Usage: `blocking-costs [--rounds 4000] [--burst 64] [--job-ms 20]`

use std::time::{Duration, Instant};

use ch14_blocking::harness::{args::Args, machine, procfs, units};
use ch14_blocking::{Builder, Runtime, fs, spawn_blocking};

fn runtime(max_threads: usize, keep_alive: Duration) -> Runtime {
    match Builder::new_current_thread()
        .max_blocking_threads(max_threads)
        .thread_keep_alive(keep_alive)
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => panic!("cannot make a runtime: {e}"),
    }
}

/// The median and the 99th percentile of `samples`, in µs.
fn spread(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() - 1) as f64 * q).round() as usize;
        samples[i].as_secs_f64() * 1e6
    };
    (at(0.5), at(0.99))
}

// ANCHOR: round_trip
/// `rounds` empty jobs, one after the other, each awaited by the main
/// future: the time from `spawn_blocking` to the answer, each time.
fn round_trips(runtime: &Runtime, rounds: usize) -> Vec<Duration> {
    runtime.block_on(async {
        let mut took = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let started = Instant::now();
            let job = spawn_blocking(|| ()).await;
            took.push(started.elapsed());
            if let Err(e) = job {
                panic!("an empty job failed: {e}");
            }
        }
        took
    })
}
// ANCHOR_END: round_trip

fn file_reads(
    rounds: usize,
) -> std::io::Result<(Vec<Duration>, Vec<Duration>)> {
    let path = std::env::temp_dir()
        .join(format!("ch14-costs-{}.txt", std::process::id()));
    std::fs::write(&path, vec![b'x'; 4096])?;
    let runtime = runtime(512, Duration::from_secs(10));
    let measured = runtime.block_on(async {
        let (mut direct, mut pooled) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let started = Instant::now();
            let a = std::fs::read(&path)?;
            direct.push(started.elapsed());
            let started = Instant::now();
            let b = fs::read(&path).await?;
            pooled.push(started.elapsed());
            assert_eq!(a, b);
        }
        std::io::Result::Ok((direct, pooled))
    });
    std::fs::remove_file(&path)?;
    measured
}

// ANCHOR: burst
/// `jobs` jobs that each block for `job`, all spawned at once on a pool
/// of at most `cap` threads: how long until the last one is done, and how
/// many threads the pool started.
fn burst(cap: usize, jobs: usize, job: Duration) -> (Duration, usize) {
    let runtime = runtime(cap, Duration::from_secs(10));
    let took = runtime.block_on(async {
        let started = Instant::now();
        let handles: Vec<_> = (0..jobs)
            .map(|_| spawn_blocking(move || std::thread::sleep(job)))
            .collect();
        for handle in handles {
            if let Err(e) = handle.await {
                panic!("a sleeping job failed: {e}");
            }
        }
        started.elapsed()
    });
    (took, runtime.blocking_metrics().threads_started)
}
// ANCHOR_END: burst

/// Resident memory per idle pool thread: the process's `VmRSS` before a
/// burst starts `threads` threads, and after, while they all wait idle.
/// (Address space reserved is no guide here: besides its stack, a thread
/// that allocates may get a malloc arena of 64 MiB of address space.)
fn idle_memory(threads: usize) -> std::io::Result<f64> {
    let runtime = runtime(threads, Duration::from_secs(60));
    let before = procfs::status("self")?.vm_rss_kib;
    let gate = std::sync::Arc::new(std::sync::Barrier::new(threads));
    runtime.block_on(async {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let gate = std::sync::Arc::clone(&gate);
                // Each job holds its thread until all have one: `threads`
                // threads, all started.
                spawn_blocking(move || {
                    gate.wait();
                })
            })
            .collect();
        for handle in handles {
            if let Err(e) = handle.await {
                panic!("a job failed: {e}");
            }
        }
    });
    let metrics = runtime.blocking_metrics();
    assert_eq!(metrics.threads, threads, "{metrics:?}");
    let after = procfs::status("self")?.vm_rss_kib;
    Ok(after.saturating_sub(before) as f64 / threads as f64)
}

fn main() -> Result<(), String> {
    let args = Args::from_env(&["rounds", "burst", "job-ms"])?;
    let rounds: usize = args.get_or("rounds", 4000)?;
    let jobs: usize = args.get_or("burst", 64)?;
    let job = Duration::from_millis(args.get_or("job-ms", 20)?);
    println!("{}", machine::line());
    // First, while no thread has run yet: threads that have exited leave
    // their stacks in the C library's cache, for the next ones to reuse.
    let resident = idle_memory(jobs).map_err(|e| e.to_string())?;
    println!(
        "resident memory per idle pool thread ({jobs} threads waiting): {}",
        units::kib(resident)
    );

    println!("the round trip of an empty job (spawn_blocking to the answer):");
    let warm = runtime(512, Duration::from_secs(10));
    let (median, p99) = spread(round_trips(&warm, rounds));
    println!(
        "  a thread waiting for it    median {median:>6.1} µs, 99th percentile {p99:>6.1} µs"
    );
    let cold = runtime(512, Duration::ZERO);
    let (median, p99) = spread(round_trips(&cold, rounds / 4));
    let started = cold.blocking_metrics().threads_started;
    println!(
        "  a new thread for each job  median {median:>6.1} µs, 99th percentile {p99:>6.1} µs  ({started} threads started for {} jobs)",
        rounds / 4
    );

    println!("reading a 4 KiB file, {rounds} times:");
    let (direct, pooled) = file_reads(rounds).map_err(|e| e.to_string())?;
    let (median, p99) = spread(direct);
    println!(
        "  std::fs::read, in the task median {median:>6.1} µs, 99th percentile {p99:>6.1} µs"
    );
    let (median, p99) = spread(pooled);
    println!(
        "  fs::read, on the pool      median {median:>6.1} µs, 99th percentile {p99:>6.1} µs"
    );

    println!(
        "{jobs} jobs that each block for {} ms, spawned at once:",
        job.as_millis()
    );
    for cap in [4, 16, 64, 512] {
        let (took, started) = burst(cap, jobs, job);
        println!(
            "  at most {cap:>3} threads: all done in {:>6.1} ms, {started:>2} threads started",
            took.as_secs_f64() * 1e3
        );
    }

    Ok(())
}
