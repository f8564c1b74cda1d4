//! Threads parked in `read` really are asleep, and all of them come back.

use ch01_blocking_read::blocked::{BlockedThreads, Config, StackSize};
use ch01_blocking_read::harness::procfs;
use std::time::Duration;

const THREADS: usize = 20;

fn config(stack: StackSize) -> Config {
    Config {
        threads: THREADS,
        stack,
        touch_kib: 0,
    }
}

#[test]
fn blocked_threads_sleep_until_released() {
    let blocked =
        BlockedThreads::spawn(config(StackSize::RustDefault)).unwrap();
    assert_eq!(blocked.tids().len(), THREADS);
    blocked.wait_until_asleep(Duration::from_secs(10)).unwrap();
    // Still asleep a moment later: the read has nothing to return.
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(procfs::count_asleep(blocked.tids()).unwrap(), THREADS);
    for &tid in blocked.tids() {
        assert_eq!(procfs::thread_state(tid).unwrap(), 'S');
    }
    assert_eq!(blocked.release().unwrap(), THREADS);
}

#[test]
fn released_threads_are_gone() {
    let blocked =
        BlockedThreads::spawn(config(StackSize::Bytes(256 * 1024))).unwrap();
    let tids = blocked.tids().to_vec();
    blocked.wait_until_asleep(Duration::from_secs(10)).unwrap();
    assert_eq!(blocked.release().unwrap(), THREADS);
    // A joined thread has left /proc/self/task.
    for tid in tids {
        assert!(
            procfs::thread_state(tid).is_err(),
            "thread {tid} still exists"
        );
    }
}

#[test]
fn dropping_releases_too() {
    let blocked =
        BlockedThreads::spawn(config(StackSize::RustDefault)).unwrap();
    let tids = blocked.tids().to_vec();
    drop(blocked);
    for tid in tids {
        assert!(
            procfs::thread_state(tid).is_err(),
            "thread {tid} still exists"
        );
    }
}

#[test]
fn a_failed_spawn_is_reported_not_panicked() {
    // No system gives a thread a stack of half the address space.
    let huge = Config {
        threads: 3,
        stack: StackSize::Bytes(usize::MAX / 2),
        touch_kib: 0,
    };
    let error = BlockedThreads::spawn(huge)
        .err()
        .expect("spawn should fail");
    assert_eq!(error.spawned, 0);
    assert!(error.to_string().starts_with("spawning thread 1 failed"));
}
