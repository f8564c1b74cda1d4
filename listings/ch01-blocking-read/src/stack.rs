//! Touching stack memory on purpose.

use std::hint::black_box;

/// Size of one frame of [`touch`], in bytes.
pub const FRAME_BYTES: usize = 1024;

// ANCHOR: touch
/// Uses at least `kib` KiB of the calling thread's stack: `kib` nested
/// calls, each writing a 1 KiB array in its own frame. `black_box` keeps the
/// compiler from removing the arrays or turning the recursion into a loop.
#[inline(never)]
pub fn touch(kib: usize) {
    if kib == 0 {
        return;
    }
    let mut frame = [0u8; FRAME_BYTES];
    black_box(&mut frame);
    touch(kib - 1);
    black_box(&frame);
}
// ANCHOR_END: touch

/// The environment variable that turns a program into the child of
/// [`run_in_child`]: `STACK_KIB,TOUCH_KIB`.
pub const CHILD_ENV: &str = "CH01_STACK_CHILD";

/// How a child that touched its stack ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The thread returned and the child exited normally.
    Completed,
    /// The thread ran into its guard page; Rust's handler said so and aborted.
    StackOverflow,
    /// Anything else, described.
    Other(String),
}

// ANCHOR: small_stack
/// In a thread with a `stack_kib` KiB stack, touches `touch_kib` KiB of it.
pub fn touch_in_thread(
    stack_kib: usize,
    touch_kib: usize,
) -> std::io::Result<()> {
    let thread = std::thread::Builder::new()
        .name("small-stack".into())
        .stack_size(stack_kib * 1024);
    let handle = thread.spawn(move || touch(touch_kib))?;
    handle
        .join()
        .map_err(|_| std::io::Error::other("the thread panicked"))
}
// ANCHOR_END: small_stack

/// Runs `exe` (a program that calls [`child_main`] first) as a child process
/// that calls [`touch_in_thread`], because a stack overflow aborts the whole
/// process that has it.
pub fn run_in_child(
    exe: &std::path::Path,
    stack_kib: usize,
    touch_kib: usize,
) -> std::io::Result<Outcome> {
    let output = std::process::Command::new(exe)
        .env(CHILD_ENV, format!("{stack_kib},{touch_kib}"))
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    Ok(if output.status.success() {
        Outcome::Completed
    } else if stderr.contains("has overflowed its stack") {
        Outcome::StackOverflow
    } else {
        Outcome::Other(format!("{}: {}", output.status, stderr.trim()))
    })
}

/// If this process was started by [`run_in_child`], does the child's work
/// and exits; otherwise returns.
pub fn child_main() {
    let Ok(job) = std::env::var(CHILD_ENV) else {
        return;
    };
    let sizes: Option<(usize, usize)> = job
        .split_once(',')
        .and_then(|(s, t)| Some((s.parse().ok()?, t.parse().ok()?)));
    let code = match sizes
        .map(|(stack_kib, touch_kib)| touch_in_thread(stack_kib, touch_kib))
    {
        Some(Ok(())) => 0,
        Some(Err(e)) => {
            eprintln!("child: {e}");
            1
        }
        None => {
            eprintln!("child: bad {CHILD_ENV}={job}");
            2
        }
    };
    std::process::exit(code);
}
