//! What a switch costs: green threads (bare, and through the scheduler)
//! next to OS threads handing off through a pipe, on one CPU and on two.

use ch04_green_threads::context::{Context, switch};
use ch04_green_threads::harness::args::Args;
use ch04_green_threads::harness::machine;
use ch04_green_threads::stack::Stack;
use ch04_green_threads::{run, spawn, yield_now};
use std::fs::File;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// Each measurement runs this many times; we report the median.
const REPEATS: usize = 5;

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn nanos_per(total: Duration, count: u64) -> f64 {
    total.as_nanos() as f64 / count as f64
}

// ANCHOR: bare
/// Two contexts switching back and forth, no scheduler in between.
struct Pair {
    main: Context,
    green: Context,
}

extern "C" fn bounce_forever(pair: usize) -> ! {
    let pair = pair as *mut Pair;
    loop {
        // SAFETY: `pair` outlives this stack's use (see `bare_switches`);
        // the main flow is suspended while we touch it.
        unsafe { switch(&raw mut (*pair).green, &raw const (*pair).main) };
    }
}

/// Time for `round_trips` main → green → main round trips.
fn bare_switches(round_trips: u64) -> Duration {
    let stack = Stack::new(16 * 1024).expect("mmap failed");
    let mut pair = Pair {
        main: Context::empty(),
        green: Context::empty(),
    };
    let arg = &raw mut pair as usize;
    // SAFETY: `stack` outlives every switch into it; it is dropped (with
    // the suspended green flow on it) only after the loop.
    pair.green = unsafe { Context::new(stack.top(), bounce_forever, arg) };
    let start = Instant::now();
    for _ in 0..round_trips {
        // SAFETY: `green` is a live context on `stack`; `main` is ours.
        unsafe { switch(&raw mut pair.main, &raw const pair.green) };
    }
    start.elapsed()
}
// ANCHOR_END: bare

// ANCHOR: green
/// Time for two green threads to yield to each other `rounds` times each.
/// `main` returns at once, so only the two players take turns; `run`
/// returns when both are done.
fn green_handoffs(rounds: u64) -> Duration {
    let start = Instant::now();
    run(move || {
        for _ in 0..2 {
            spawn(move || {
                for _ in 0..rounds {
                    yield_now();
                }
            });
        }
    });
    start.elapsed()
}
// ANCHOR_END: green

// ANCHOR: os
/// Pins the calling OS thread to one CPU.
fn pin_to(cpu: usize) {
    // SAFETY: a zeroed cpu_set_t is an empty set; CPU_SET stays in bounds
    // for any CPU number below CPU_SETSIZE.
    let result = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set)
    };
    assert_eq!(result, 0, "cannot pin to CPU {cpu}");
}

/// The CPUs this process may run on, in order.
fn allowed_cpus() -> Vec<usize> {
    // SAFETY: a zeroed cpu_set_t is a valid empty set for the kernel to fill.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid, writable cpu_set_t of the size we pass.
    let result = unsafe {
        libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set)
    };
    assert_eq!(result, 0, "sched_getaffinity failed");
    let is_allowed = |cpu: usize| {
        // SAFETY: CPU_ISSET only reads the set, in bounds for any CPU below
        // CPU_SETSIZE.
        unsafe { libc::CPU_ISSET(cpu, &set) }
    };
    let cpus: Vec<usize> = (0..libc::CPU_SETSIZE as usize)
        .filter(|&cpu| is_allowed(cpu))
        .collect();
    assert!(!cpus.is_empty(), "no CPU to run on");
    cpus
}

/// Time for two OS threads to pass one byte back and forth through two
/// pipes `rounds` times: each pass wakes the other thread.
fn os_handoffs(rounds: u64, cpu_a: usize, cpu_b: usize) -> Duration {
    let (mut to_b, mut from_a) = pipe();
    let (mut to_a, mut from_b) = pipe();
    let echo = std::thread::spawn(move || {
        pin_to(cpu_b);
        let mut byte = [0u8];
        for _ in 0..rounds {
            from_a.read_exact(&mut byte).expect("read failed");
            to_a.write_all(&byte).expect("write failed");
        }
    });
    pin_to(cpu_a);
    let mut byte = [0u8];
    let start = Instant::now();
    for _ in 0..rounds {
        to_b.write_all(&byte).expect("write failed");
        from_b.read_exact(&mut byte).expect("read failed");
    }
    let elapsed = start.elapsed();
    echo.join().expect("echo thread panicked");
    elapsed
}
// ANCHOR_END: os

/// A pipe as (write end, read end).
fn pipe() -> (File, File) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    let result = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(result, 0, "pipe2: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors are fresh and owned by nobody else.
    unsafe {
        use std::os::fd::FromRawFd;
        (File::from_raw_fd(fds[1]), File::from_raw_fd(fds[0]))
    }
}

fn main() -> Result<(), String> {
    let args = Args::from_env(&["green-rounds", "os-rounds"])?;
    let green_rounds: u64 = args.get_or("green-rounds", 1_000_000)?;
    let os_rounds: u64 = args.get_or("os-rounds", 50_000)?;
    println!("{}", machine::line());
    println!("median of {REPEATS} runs each");

    let bare =
        median((0..REPEATS).map(|_| bare_switches(green_rounds)).collect());
    let bare_ns = nanos_per(bare, 2 * green_rounds);
    println!("{:<28}{bare_ns:.1} ns per switch", "bare context switch:");

    let green =
        median((0..REPEATS).map(|_| green_handoffs(green_rounds)).collect());
    let green_ns = nanos_per(green, 2 * green_rounds);
    println!(
        "{:<28}{green_ns:.1} ns per hand-off",
        "green threads, yield_now:"
    );

    let cpus = allowed_cpus();
    let mut placements = vec![("same CPU", cpus[0], cpus[0])];
    if let Some(&second) = cpus.get(1) {
        placements.push(("two CPUs", cpus[0], second));
    }
    for (label, cpu_a, cpu_b) in placements {
        let os = median(
            (0..REPEATS)
                .map(|_| os_handoffs(os_rounds, cpu_a, cpu_b))
                .collect(),
        );
        let os_ns = nanos_per(os, 2 * os_rounds);
        let ratio = os_ns / green_ns;
        let label = format!("OS threads, pipe, {label}:");
        println!(
            "{label:<28}{os_ns:.1} ns per hand-off ({ratio:.0}× a green hand-off)"
        );
    }
    Ok(())
}
