//! Exercise 1: touching stack makes it resident. One test only, because
//! VmSize and VmRSS belong to the whole test process: tests running beside
//! it would blur the figures.

use ch01_blocking_read::blocked::{BlockedThreads, Config, StackSize};
use ch01_blocking_read::harness::procfs;
use std::time::Duration;

const THREADS: u64 = 16;
const STACK_KIB: u64 = 1024;
const TOUCH_KIB: u64 = 256;

/// VmSize and VmRSS growth per thread while `THREADS` threads are blocked.
fn growth_per_thread(stack_kib: u64, touch_kib: u64) -> (u64, u64) {
    let stack = StackSize::Bytes((stack_kib * 1024) as usize);
    let config = Config {
        threads: THREADS as usize,
        stack,
        touch_kib: touch_kib as usize,
    };
    let before = procfs::status("self").unwrap();
    let blocked = BlockedThreads::spawn(config).unwrap();
    blocked.wait_until_asleep(Duration::from_secs(10)).unwrap();
    let during = procfs::status("self").unwrap();
    assert_eq!(blocked.release().unwrap(), THREADS as usize);
    let grown =
        |before: u64, during: u64| during.saturating_sub(before) / THREADS;
    (
        grown(before.vm_size_kib, during.vm_size_kib),
        grown(before.vm_rss_kib, during.vm_rss_kib),
    )
}

#[test]
fn reserved_stacks_become_resident_only_when_touched() {
    // The first threads of a process also create malloc arenas; get that
    // out of the way so it does not count towards the figures below. Their
    // stacks are too small for glibc to reuse them for the next threads.
    let _ = growth_per_thread(64, 0);

    let (reserved, resident) = growth_per_thread(STACK_KIB, 0);
    assert!(
        reserved >= STACK_KIB,
        "each thread reserves its stack: {reserved} KiB"
    );
    assert!(
        resident < 64,
        "an untouched stack is hardly resident: {resident} KiB"
    );

    let (_, resident) = growth_per_thread(STACK_KIB, TOUCH_KIB);
    assert!(
        resident >= TOUCH_KIB,
        "touched stack is resident: {resident} KiB"
    );
}
