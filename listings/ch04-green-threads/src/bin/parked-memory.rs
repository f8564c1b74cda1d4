//! What a parked thread costs in memory: N green threads, each suspended
//! in `yield_now`, next to N OS threads blocked on a barrier.

use ch04_green_threads::harness::args::Args;
use ch04_green_threads::harness::machine;
use ch04_green_threads::harness::procfs::{self, Status};
use ch04_green_threads::{Builder, run, yield_now};
use std::cell::Cell;
use std::hint::black_box;
use std::rc::Rc;
use std::sync::{Arc, Barrier};

/// The growth of memory while `count` threads were parked.
struct Growth {
    before: Status,
    parked: Status,
    kernel_stacks_kib: i64,
}

impl Growth {
    fn print(&self, label: &str, count: usize) {
        let size_kib =
            self.parked.vm_size_kib as f64 - self.before.vm_size_kib as f64;
        let rss_kib =
            self.parked.vm_rss_kib as f64 - self.before.vm_rss_kib as f64;
        let per = |kib: f64| kib / count as f64;
        println!("{label}");
        println!(
            "  VmSize {:+.1} MiB, {:.1} KiB per thread (address space reserved)",
            size_kib / 1024.0,
            per(size_kib)
        );
        println!(
            "  VmRSS  {:+.1} MiB, {:.1} KiB per thread (pages in RAM)",
            rss_kib / 1024.0,
            per(rss_kib)
        );
        println!(
            "  KernelStack {:+.1} MiB, {:.1} KiB per thread (kernel memory, whole machine)",
            self.kernel_stacks_kib as f64 / 1024.0,
            per(self.kernel_stacks_kib as f64)
        );
    }
}

/// Some work that touches a little stack, as a real handler would.
fn touch_stack() {
    black_box([0u8; 1024]);
}

// ANCHOR: green
fn park_green_threads(count: usize, stack_size: usize) -> Growth {
    run(move || {
        let before = memory_now();
        let kernel_before = kernel_stacks_now();
        let released = Rc::new(Cell::new(false));
        let handles: Vec<_> = (0..count)
            .map(|_| {
                let released = Rc::clone(&released);
                let builder = Builder::new().stack_size(stack_size);
                let parked = move || {
                    touch_stack();
                    while !released.get() {
                        yield_now();
                    }
                };
                builder.spawn(parked).expect("mmap failed")
            })
            .collect();
        yield_now(); // every thread runs once and parks in its yield_now
        let growth = Growth {
            before,
            parked: memory_now(),
            kernel_stacks_kib: kernel_stacks_now() as i64
                - kernel_before as i64,
        };
        released.set(true);
        for handle in handles {
            handle.join().expect("green thread panicked");
        }
        growth
    })
}
// ANCHOR_END: green

// ANCHOR: os
fn park_os_threads(count: usize, stack_size: Option<usize>) -> Growth {
    let before = memory_now();
    let kernel_before = kernel_stacks_now();
    let started = Arc::new(Barrier::new(count + 1));
    let release = Arc::new(Barrier::new(count + 1));
    let handles: Vec<_> = (0..count)
        .map(|_| {
            let (started, release) =
                (Arc::clone(&started), Arc::clone(&release));
            let mut builder = std::thread::Builder::new();
            if let Some(size) = stack_size {
                builder = builder.stack_size(size);
            }
            let parked = move || {
                touch_stack();
                started.wait();
                release.wait();
            };
            builder.spawn(parked).expect("thread spawn failed")
        })
        .collect();
    started.wait(); // every thread has touched its stack
    let growth = Growth {
        before,
        parked: memory_now(),
        kernel_stacks_kib: kernel_stacks_now() as i64 - kernel_before as i64,
    };
    release.wait();
    for handle in handles {
        handle.join().expect("OS thread panicked");
    }
    growth
}
// ANCHOR_END: os

/// glibc gives each of the first threads that allocate at the same time a
/// malloc arena of its own, reserving 64 MiB of address space apiece, up to
/// eight per CPU. Paying for them here keeps them out of the measurement.
fn warm_up_malloc_arenas(threads: usize) {
    let all_allocated = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let all_allocated = Arc::clone(&all_allocated);
            std::thread::spawn(move || {
                let allocation = black_box(Box::new([0u8; 64]));
                all_allocated.wait();
                drop(allocation);
            })
        })
        .collect();
    for handle in handles {
        handle.join().expect("warm-up thread panicked");
    }
}

/// The process's memory now; the measurement is meaningless without it.
fn memory_now() -> Status {
    procfs::status("self").expect("/proc/self/status is readable")
}

/// The machine's kernel stacks now, in KiB.
fn kernel_stacks_now() -> u64 {
    procfs::kernel_stacks_kib().expect("/proc/meminfo is readable")
}

fn main() -> Result<(), String> {
    let args = Args::from_env(&["threads", "stack-kib"])?;
    let count: usize = args.get_or("threads", 10_000)?;
    let stack_kib: usize = args.get_or("stack-kib", 64)?;
    println!("{}", machine::line());
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    warm_up_malloc_arenas(8 * cpus + 1);
    println!("warm-up: glibc's malloc arenas are reserved before we measure");
    println!("{count} threads parked at once");
    park_green_threads(count, stack_kib * 1024)
        .print(&format!("green threads, {stack_kib} KiB stacks:"), count);
    park_os_threads(count, Some(stack_kib * 1024))
        .print(&format!("OS threads, {stack_kib} KiB stacks:"), count);
    park_os_threads(count, None)
        .print("OS threads, Rust's default 2 MiB stacks:", count);
    Ok(())
}
