//! A green thread that recurses forever hits its guard page. We run it in a
//! child process and report how the child died.

use ch04_green_threads::child::{ChildEnd, in_child};
use ch04_green_threads::{Builder, run};
use std::hint::black_box;
use std::time::Duration;

// ANCHOR: recurse
/// Uses about half a kilobyte of stack per level, without end.
fn recurse(depth: u64) -> u64 {
    let frame = black_box([depth; 64]);
    if depth == u64::MAX {
        return 0; // never true; keeps the compiler from calling this infinite
    }
    recurse(depth + 1) + frame[63]
}
// ANCHOR_END: recurse

// ANCHOR: main
fn main() {
    let end = in_child(Duration::from_secs(30), || {
        run(|| {
            let small = Builder::new().stack_size(16 * 1024);
            let thread = small.spawn(|| recurse(0)).expect("mmap failed");
            let _ = thread.join();
        });
    })
    .expect("fork failed");
    match end {
        ChildEnd::Killed(libc::SIGSEGV) => {
            println!(
                "child killed by SIGSEGV: the guard page caught the overflow"
            )
        }
        other => println!("unexpected: {other:?}"),
    }
}
// ANCHOR_END: main
