//! A file that is slow on purpose, for the chapter's measurements, trace
//! and tests: a named pipe (FIFO). `std::fs::read` on it blocks in the
//! kernel, in `open` until a writer opens the other end and then in `read`
//! until the writer closes it, exactly as a read from a slow disk blocks,
//! but for as long as the program chooses, the same on every run. (A real
//! disk's wait is uninterruptible sleep, state `D`; a pipe's is `S`. To the
//! runtime's thread, both are a thread that does not come back.)

use std::ffi::CString;
use std::fs::OpenOptions;
use std::io::{self, ErrorKind, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// A FIFO in a directory of its own, both removed when it is dropped.
pub struct Fifo {
    dir: PathBuf,
    path: PathBuf,
}

impl Fifo {
    /// Makes a FIFO called `name` in a new directory under the system's
    /// temporary directory.
    pub fn new(name: &str) -> io::Result<Fifo> {
        static MADE: AtomicUsize = AtomicUsize::new(0);
        let made = MADE.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir()
            .join(format!("ch14-fifo-{}-{made}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(name);
        let c_path = CString::new(path.as_os_str().as_bytes())
            .map_err(|e| io::Error::new(ErrorKind::InvalidInput, e))?;
        // SAFETY: `c_path` is a valid C string that outlives the call.
        if unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) } == -1 {
            let e = io::Error::last_os_error();
            let _ = std::fs::remove_dir(&dir);
            return Err(e);
        }
        Ok(Fifo { dir, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Fifo {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// The writer's side: waits until a reader has the FIFO at `path` open,
/// writes `bytes`, and closes it, which ends the reader's `read` with end
/// of file. Gives up after `patience` without a reader, so that a program
/// whose reader never came cannot hang here.
pub fn feed(path: &Path, bytes: &[u8], patience: Duration) -> io::Result<()> {
    let deadline = Instant::now() + patience;
    // Opening the write end without O_NONBLOCK would wait for a reader
    // for ever; with it, the open fails with ENXIO until one is there.
    let mut pipe = loop {
        match OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
        {
            Ok(pipe) => break pipe,
            Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
                if Instant::now() >= deadline {
                    return Err(io::Error::new(ErrorKind::TimedOut, e));
                }
                thread::sleep(Duration::from_millis(1));
            }
            Err(e) => return Err(e),
        }
    };
    let mut rest = bytes;
    while !rest.is_empty() {
        match pipe.write(rest) {
            Ok(n) => rest = &rest[n..],
            // The pipe is full: the reader is taking its time.
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    return Err(e);
                }
                thread::sleep(Duration::from_millis(1));
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
