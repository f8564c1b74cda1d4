//! The program's system-call counters against `strace -c -f`: each server
//! runs in a child copy of this program under strace, the client here
//! puts a small load on it, and both counts are printed side by side.
//!
//! `syscall-check` (needs strace: `apt-get install strace`)

use std::io;
use std::process::ExitCode;

use ch07_io_uring::compare::Server;
use ch07_io_uring::crosscheck::{self, small_bench};
use ch07_io_uring::harness::machine;
use ch07_io_uring::uring;

fn run() -> io::Result<()> {
    println!("{}", machine::line());
    if let Some(why) = uring::unavailable() {
        println!("io_uring is not available here: {why}; nothing to check");
        return Ok(());
    }
    if let Some(why) = crosscheck::strace_missing() {
        println!("cannot check: {why}");
        return Ok(());
    }
    let bench = small_bench();
    let exe = std::env::current_exe()?;
    println!(
        "{} connections × {} messages, each server under strace -c -f:",
        bench.connections, bench.messages
    );
    for server in Server::ALL {
        println!("  {}", server.label().trim_end());
        for a in crosscheck::check(&exe, server, &bench)? {
            let verdict = if a.counted == a.traced {
                ""
            } else {
                "  DIFFER"
            };
            println!(
                "    {:<18} counted {:>6}, strace {:>6}{verdict}",
                a.call.name(),
                a.counted,
                a.traced
            );
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    if let Some(served) = crosscheck::serve_if_asked() {
        return match served {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("server: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("syscall-check: {e}");
            ExitCode::FAILURE
        }
    }
}
