//! Spawns threads that block in `read` and compares the address space they
//! reserve (VmSize) with the memory they occupy (VmRSS).

use ch01_blocking_read::blocked::{BlockedThreads, Config, StackSize};
use ch01_blocking_read::harness::args::Args;
use ch01_blocking_read::harness::units::grouped;
use ch01_blocking_read::harness::{limits, machine, procfs};
use ch01_blocking_read::stack;
use std::hint::black_box;
use std::io;
use std::process::ExitCode;
use std::time::Duration;

const KIB: usize = 1024;
/// Stack the main thread uses on purpose, to show its stack growing.
const MAIN_USE_KIB: usize = 1024;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("memory: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args = Args::parse(
        std::env::args().skip(1),
        &["threads", "stack-kib", "touch-kib"],
    )?;
    let threads: usize = args.get_or("threads", 1000)?;
    let touch_kib: usize = args.get_or("touch-kib", 0)?;
    let stack_kib: Option<usize> = args.get("stack-kib")?;

    println!("{}", machine::line());
    show_stack_limit()?;
    show_main_stack()?;
    let pthread_stack = stack::pthread_default_stack_size()
        .map_err(|e| format!("pthread_attr_getstacksize: {e}"))?;
    println!(
        "glibc's default stack for pthread_create: {} KiB",
        grouped(pthread_stack as f64 / KIB as f64, 0)
    );
    let rust_min_stack =
        std::env::var("RUST_MIN_STACK").unwrap_or_else(|_| "not set".into());
    println!("RUST_MIN_STACK: {rust_min_stack}");
    let overcommit = procfs::overcommit_mode()
        .map_err(|e| format!("overcommit_memory: {e}"))?;
    println!("vm.overcommit_memory: {overcommit}");

    warm_up().map_err(|e| e.to_string())?;
    let cases = match stack_kib {
        Some(kib) => vec![(StackSize::Bytes(kib * KIB), "from --stack-kib")],
        None => vec![
            (StackSize::RustDefault, "2 MiB unless RUST_MIN_STACK is set"),
            (StackSize::Bytes(pthread_stack), "pthread_create's default"),
        ],
    };
    for (stack, origin) in cases {
        println!();
        let config = Config {
            threads,
            stack,
            touch_kib,
        };
        measure(config, origin).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Prints the soft and hard `RLIMIT_STACK` (what `ulimit -s` shows).
fn show_stack_limit() -> Result<(), String> {
    let limit = limits::limit(libc::RLIMIT_STACK)
        .map_err(|e| format!("getrlimit: {e}"))?;
    let show = |value: Option<u64>| {
        value.map_or("unlimited".into(), |v| {
            format!("{} KiB", grouped(v as f64 / 1024.0, 0))
        })
    };
    println!(
        "RLIMIT_STACK (ulimit -s): soft {}, hard {}",
        show(limit.soft),
        show(limit.hard)
    );
    Ok(())
}

/// Prints how much of the main thread's stack is mapped, before and after
/// it uses `MAIN_USE_KIB` of it.
fn show_main_stack() -> Result<(), String> {
    let mapped = || {
        stack::main_stack_mapped_kib()
            .map(|kib| grouped(kib as f64, 0))
            .map_err(|e| format!("/proc/self/maps: {e}"))
    };
    let before = mapped()?;
    use_main_stack();
    let after = mapped()?;
    let used = grouped(MAIN_USE_KIB as f64, 0);
    println!(
        "main thread's stack mapped: {before} KiB; \
         after using {used} KiB of it, {after} KiB"
    );
    Ok(())
}

/// Writes a `MAIN_USE_KIB` array in one stack frame, which touches every
/// page of it (`black_box` keeps the compiler from leaving it out).
#[inline(never)]
fn use_main_stack() {
    let mut frame = [0u8; MAIN_USE_KIB * KIB];
    black_box(&mut frame);
}

/// Memory figures before or while the threads are blocked, in KiB.
struct Snapshot {
    process: procfs::Status,
    kernel_stacks_kib: u64,
}

fn snapshot() -> io::Result<Snapshot> {
    Ok(Snapshot {
        process: procfs::status("self")?,
        kernel_stacks_kib: procfs::kernel_stacks_kib()?,
    })
}

/// Threads the warm-up spawns: more than glibc's limit of malloc arenas
/// (8 per CPU on 64-bit systems) on small machines.
const WARM_UP_THREADS: usize = 64;
const WARM_UP_STACK: usize = 64 * KIB;

/// Spawns and joins a few threads, so that the malloc arenas glibc creates
/// for a process's first threads exist before we measure: each thread Rust
/// spawns calls malloc once while it starts. Their stacks are small, so that
/// glibc cannot reuse them (it caches stacks of joined threads) for the
/// threads we measure.
fn warm_up() -> Result<(), Box<dyn std::error::Error>> {
    let before = procfs::status("self")?;
    let stack = StackSize::Bytes(WARM_UP_STACK);
    let config = Config {
        threads: WARM_UP_THREADS,
        stack,
        touch_kib: 0,
    };
    let blocked = BlockedThreads::spawn(config)?;
    blocked.wait_until_asleep(Duration::from_secs(30))?;
    blocked.release()?;
    let grown_kib =
        procfs::status("self")?.vm_size_kib as f64 - before.vm_size_kib as f64;
    println!(
        "warm-up: {WARM_UP_THREADS} threads spawned and joined; \
         VmSize stays {} MiB larger",
        grouped(grown_kib / 1024.0, 1)
    );
    Ok(())
}

// ANCHOR: measure
fn measure(
    config: Config,
    origin: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let before = snapshot()?;
    let blocked = BlockedThreads::spawn(config)?;
    blocked.wait_until_asleep(Duration::from_secs(30))?;
    let during = snapshot()?;
    let asleep = procfs::count_asleep(blocked.tids())?;
    let woke = blocked.release()?;
    // ANCHOR_END: measure

    let stack = match config.stack {
        StackSize::RustDefault => "thread::spawn's default".to_string(),
        StackSize::Bytes(bytes) => {
            format!("{} KiB", grouped(bytes as f64 / KIB as f64, 0))
        }
    };
    let touched = match config.touch_kib {
        0 => String::new(),
        kib => format!(", {kib} KiB of it touched"),
    };
    println!("stack: {stack} ({origin}){touched}");
    println!(
        "{:<38}{:>16}{:>16}",
        format!("{asleep} threads asleep in read(2)"),
        "total",
        "per thread"
    );
    let rows = [
        (
            "VmSize   (address space reserved)",
            before.process.vm_size_kib,
            during.process.vm_size_kib,
        ),
        (
            "VmRSS    (resident in RAM)",
            before.process.vm_rss_kib,
            during.process.vm_rss_kib,
        ),
        (
            "VmPTE    (page tables)",
            before.process.vm_pte_kib,
            during.process.vm_pte_kib,
        ),
        (
            "KernelStack   (whole machine)",
            before.kernel_stacks_kib,
            during.kernel_stacks_kib,
        ),
    ];
    let threads = config.threads.max(1) as f64;
    for (label, before_kib, during_kib) in rows {
        let grown_kib = during_kib as f64 - before_kib as f64;
        let (total_mib, per_thread_kib) =
            (grown_kib / 1024.0, grown_kib / threads);
        println!(
            "  {label:<36}{:>12} MiB{:>12} KiB",
            grouped(total_mib, 1),
            grouped(per_thread_kib, 1)
        );
    }
    println!("{woke} threads woke up with end of file and were joined");
    Ok(())
}
