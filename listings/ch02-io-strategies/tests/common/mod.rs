//! Helpers shared by the tests.

use std::fs::File;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use ch02_io_strategies::sys;

/// Runs `test` on its own thread and fails if it takes longer than a few
/// seconds, so a way that loses a wake-up fails instead of hanging.
pub fn within_deadline<T: Send + 'static>(
    test: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, finished) = mpsc::channel();
    thread::spawn(move || done.send(test()));
    finished
        .recv_timeout(Duration::from_secs(10))
        .expect("the test did not finish within 10 s (or panicked)")
}

/// `count` pipes, as read ends and write ends (the latter as files).
pub fn pipes(count: usize) -> (Vec<OwnedFd>, Vec<File>) {
    (0..count)
        .map(|_| {
            let pipe = sys::pipe().expect("pipe");
            (pipe.reader, File::from(pipe.writer))
        })
        .unzip()
}

/// Writes `bytes` to `pipe`, panicking on error.
pub fn send(pipe: &mut File, bytes: &[u8]) {
    pipe.write_all(bytes).expect("write to pipe");
}
