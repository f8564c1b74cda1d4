//! Finished green threads give their stacks back. Alone in its own test
//! binary, because it counts mappings of the whole process.

use ch04_green_threads::harness::procfs;
use ch04_green_threads::stack::Stack;
use ch04_green_threads::{Builder, run, yield_now};

/// The process's virtual size in KiB, from /proc/self/status.
fn vm_size_kib() -> u64 {
    procfs::status("self").unwrap().vm_size_kib
}

#[test]
fn stacks_are_unmapped_when_threads_finish() {
    const THREADS: usize = 200;
    const STACK: usize = 256 * 1024;
    let before = vm_size_kib();
    let (live_while_running, size_while_running) = run(|| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| Builder::new().stack_size(STACK).spawn(yield_now).unwrap())
            .collect();
        let during = (Stack::live(), vm_size_kib());
        for handle in handles {
            handle.join().unwrap();
        }
        during
    });
    // The 200 threads plus `main` itself.
    assert_eq!(live_while_running, THREADS + 1);
    let mapped_kib = (THREADS * STACK / 1024) as u64;
    assert!(size_while_running >= before + mapped_kib);
    assert_eq!(Stack::live(), 0);
    // Allow for the allocator keeping some memory; 50 MiB of stacks are gone.
    assert!(vm_size_kib() < before + mapped_kib / 10);
}
