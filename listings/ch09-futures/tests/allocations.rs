//! A future allocates nothing of its own: the `allocations` program's
//! counts, checked; and the counting allocator itself, checked in this
//! test binary, which installs it too.
//!
//! The futures print as they run, and under the test harness printing
//! allocates (it captures what a test prints), so the futures are
//! measured in the `allocations` program, whose prints go straight to
//! stdout.

use std::process::Command;

use ch09_futures::counting::{CountingAllocator, count_allocations};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

#[test]
fn the_counter_counts_this_threads_allocations() {
    let (boxed, count) = count_allocations(|| Box::new(1u64));
    assert_eq!((*boxed, count), (1, 1));
    let (_, count) = count_allocations(|| Vec::<u8>::with_capacity(10));
    assert_eq!(count, 1);
    let (_, count) = count_allocations(|| 1 + 1);
    assert_eq!(count, 0);
    // Another thread's allocations are its own.
    let (_, count) = count_allocations(|| {
        std::thread::spawn(|| Box::new(2u64)).join().map(|b| *b)
    });
    let (_, alone) =
        count_allocations(|| std::thread::spawn(|| ()).join().expect("joined"));
    assert_eq!(count, alone, "the Box is counted on the spawned thread");
}

#[test]
fn futures_allocate_nothing_boxes_and_rc_allocate_once() {
    let output = Command::new(env!("CARGO_BIN_EXE_allocations"))
        .output()
        .expect("run `allocations`");
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).expect("UTF-8");
    let results: Vec<&str> = printed
        .lines()
        .filter_map(|line| line.strip_prefix("  => "))
        .collect();
    assert_eq!(
        results,
        [
            "Some(42), allocations: 0", // add_two
            "Some(42), allocations: 0", // add_two_by_hand
            "Some(42), allocations: 1", // Box::pin(add_two(..))
            "Some(42), allocations: 1", // Rc<RefCell<Stats>>
            "Some(42), allocations: 0", // async fn with &mut Stats
        ],
        "{printed}"
    );
}
