//! Exercise 2: how small may a thread's stack be? Spawns threads with a small
//! stack that use more and more of it, each in a child process, because
//! overflowing a stack aborts the whole process.

use ch01_blocking_read::harness::args::Args;
use ch01_blocking_read::harness::machine;
use ch01_blocking_read::stack::{self, Outcome};
use std::process::ExitCode;

fn main() -> ExitCode {
    stack::child_main();
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("stack-overflow: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args = Args::parse(std::env::args().skip(1), &["stack-kib"])?;
    let stack_kib: usize = args.get_or("stack-kib", 64)?;
    println!("{}", machine::line());
    let exe =
        std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    println!(
        "threads with a stack of {stack_kib} KiB (thread::Builder::stack_size):"
    );
    for touch_kib in [stack_kib / 4, stack_kib / 2, stack_kib * 2] {
        let outcome = stack::run_in_child(&exe, stack_kib, touch_kib)
            .map_err(|e| format!("running a child: {e}"))?;
        let what = match outcome {
            Outcome::Completed => "returned normally".to_string(),
            Outcome::StackOverflow => {
                "stack overflow reported, process aborted".to_string()
            }
            Outcome::Other(description) => {
                format!("ended unexpectedly: {description}")
            }
        };
        println!("  using {touch_kib} KiB of it: {what}");
    }
    Ok(())
}
