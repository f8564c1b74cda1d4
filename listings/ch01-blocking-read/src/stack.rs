//! Touching stack memory on purpose, and the stack sizes a thread gets when
//! it does not choose one.

use std::hint::black_box;
use std::io;

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

// ANCHOR: pthread_default
/// The stack `pthread_create` gives a thread that asks for no size. glibc
/// works it out once, as the program starts, from the soft `RLIMIT_STACK`
/// (2 MiB on x86-64 if that is unlimited); `pthread_attr_getstacksize` on a
/// fresh attribute object reports what it chose.
pub fn pthread_default_stack_size() -> io::Result<usize> {
    // SAFETY: an all-zero `pthread_attr_t` is a valid place for
    // `pthread_attr_init` to initialise; nothing reads it before that.
    let mut attr: libc::pthread_attr_t = unsafe { std::mem::zeroed() };
    // SAFETY: `attr` is writable and not yet initialised.
    let ret = unsafe { libc::pthread_attr_init(&mut attr) };
    if ret != 0 {
        return Err(io::Error::from_raw_os_error(ret));
    }
    let mut size = 0;
    // SAFETY: `attr` was initialised above; `size` is writable.
    let ret = unsafe { libc::pthread_attr_getstacksize(&attr, &mut size) };
    // SAFETY: `attr` was initialised and is not used after this.
    unsafe { libc::pthread_attr_destroy(&mut attr) };
    match ret {
        0 => Ok(size),
        error => Err(io::Error::from_raw_os_error(error)),
    }
}
// ANCHOR_END: pthread_default

/// How much of the main thread's stack is mapped now, in KiB: the size of
/// the `[stack]` line of `/proc/self/maps`. The kernel starts it small and
/// extends it whenever the thread touches the page below it, up to the soft
/// `RLIMIT_STACK`.
pub fn main_stack_mapped_kib() -> io::Result<u64> {
    let maps = std::fs::read_to_string("/proc/self/maps")?;
    maps.lines()
        .filter(|line| line.ends_with("[stack]"))
        .find_map(|line| {
            let (start, end) =
                line.split_whitespace().next()?.split_once('-')?;
            let start = u64::from_str_radix(start, 16).ok()?;
            let end = u64::from_str_radix(end, 16).ok()?;
            Some((end - start) / 1024)
        })
        .ok_or_else(|| io::Error::other("no [stack] line in /proc/self/maps"))
}

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
