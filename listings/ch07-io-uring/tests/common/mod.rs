//! When a test cannot run here, it says why and returns early: a test
//! cannot mark itself ignored at run time.

use ch07_io_uring::uring;

/// Whether to skip: io_uring is missing, or `threaded` (the test's
/// clients run on other threads while a loop waits in `io_uring_enter`)
/// and the test runs under valgrind. Valgrind lets one thread run at a
/// time and does not let go of that lock while a thread is inside
/// `io_uring_enter` (3.19 does not know the call can block), so those
/// clients would never run.
pub fn skip(threaded: bool) -> bool {
    let why = match uring::unavailable() {
        Some(why) => format!("io_uring is not available here: {why}"),
        None if threaded && under_valgrind() => {
            "valgrind holds its lock while io_uring_enter waits".to_string()
        }
        None => return false,
    };
    eprintln!("skipped: {why}");
    true
}

/// Valgrind preloads its own libraries into the program it runs.
fn under_valgrind() -> bool {
    std::env::var("LD_PRELOAD")
        .is_ok_and(|preload| preload.contains("vgpreload"))
}
