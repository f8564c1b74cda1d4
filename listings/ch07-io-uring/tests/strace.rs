//! The program's own system-call counters agree with `strace -c -f`, call
//! for call, for all three servers.

mod common;

use std::path::Path;

use ch07_io_uring::compare::Server;
use ch07_io_uring::crosscheck::{self, small_bench};

#[test]
fn the_counters_agree_with_strace() {
    if common::skip(false) {
        return;
    }
    if let Some(why) = crosscheck::strace_missing() {
        eprintln!("skipped: {why}");
        return;
    }
    // The servers run in a child copy of this binary, under strace.
    let exe = Path::new(env!("CARGO_BIN_EXE_syscall-check"));
    for server in Server::ALL {
        let counts = crosscheck::check(exe, server, &small_bench()).unwrap();
        assert!(!counts.is_empty(), "{server:?}: nothing counted");
        for a in counts {
            assert_eq!(a.counted, a.traced, "{server:?}: {a:?}");
        }
    }
}
