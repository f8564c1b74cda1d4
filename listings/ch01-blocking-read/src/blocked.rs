//! Threads that sit in a real `read(2)` on an empty pipe until we let them go.

use crate::harness::procfs;
use crate::{stack, sys};
use std::io;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How much stack each thread asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackSize {
    /// Whatever `thread::spawn` uses: 2 MiB, unless `RUST_MIN_STACK` says
    /// otherwise.
    RustDefault,
    /// Exactly this many bytes, through `thread::Builder::stack_size`.
    Bytes(usize),
}

/// What to spawn.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    pub threads: usize,
    pub stack: StackSize,
    /// Stack each thread touches before it blocks, in KiB (0: none).
    pub touch_kib: usize,
}

/// A failed [`BlockedThreads::spawn`]: how far it got, and why it stopped.
#[derive(Debug)]
pub struct SpawnError {
    pub spawned: usize,
    pub error: io::Error,
}

impl std::fmt::Display for SpawnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "spawning thread {} failed: {}",
            self.spawned + 1,
            self.error
        )
    }
}

impl std::error::Error for SpawnError {}

/// A set of threads, each blocked in `read` on the same empty pipe.
///
/// Dropping it (or calling [`release`](Self::release)) closes the pipe's
/// write end: every `read` then returns 0 (end of file) and every thread ends.
pub struct BlockedThreads {
    writer: Option<OwnedFd>,
    handles: Vec<JoinHandle<io::Result<()>>>,
    tids: Vec<libc::pid_t>,
}

// ANCHOR: blocked_reader
/// The body of each thread: publish our thread id, use some stack if asked
/// to, then block in `read` until the pipe's writer is closed.
fn blocked_reader(
    reader: &OwnedFd,
    touch_kib: usize,
    tid_slot: &AtomicI32,
) -> io::Result<()> {
    tid_slot.store(sys::gettid(), Ordering::Release);
    stack::touch(touch_kib);
    let mut byte = [0u8; 1];
    match sys::read(reader, &mut byte)? {
        0 => Ok(()), // end of file: the parent let us go
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "nobody writes to this pipe",
        )),
    }
}
// ANCHOR_END: blocked_reader

impl BlockedThreads {
    /// Spawns `config.threads` threads and returns once each has published
    /// its thread id (they may still be on their way into `read`).
    pub fn spawn(config: Config) -> Result<Self, SpawnError> {
        let fail = |spawned, error| SpawnError { spawned, error };
        let pipe = sys::pipe().map_err(|e| fail(0, e))?;
        let reader = Arc::new(pipe.reader);
        // Threads report their ids through preallocated slots, so that the
        // thread body allocates nothing: what we measure is the thread.
        let slots: Arc<[AtomicI32]> =
            (0..config.threads).map(|_| AtomicI32::new(0)).collect();
        let mut blocked = BlockedThreads {
            writer: Some(pipe.writer),
            handles: Vec::with_capacity(config.threads),
            tids: Vec::with_capacity(config.threads),
        };
        for index in 0..config.threads {
            let builder = match config.stack {
                StackSize::RustDefault => thread::Builder::new(),
                StackSize::Bytes(bytes) => {
                    thread::Builder::new().stack_size(bytes)
                }
            };
            let (reader, slots) = (Arc::clone(&reader), Arc::clone(&slots));
            let touch_kib = config.touch_kib;
            let body =
                move || blocked_reader(&reader, touch_kib, &slots[index]);
            match builder.spawn(body) {
                Ok(handle) => blocked.handles.push(handle),
                // Dropping `blocked` releases the threads spawned so far.
                Err(error) => return Err(fail(blocked.handles.len(), error)),
            }
        }
        blocked.tids = collect_tids(&slots, Duration::from_secs(10))
            .map_err(|e| fail(config.threads, e))?;
        Ok(blocked)
    }

    /// The kernel's thread ids of the threads.
    pub fn tids(&self) -> &[libc::pid_t] {
        &self.tids
    }

    /// Waits until the scheduler has put every thread to sleep in its `read`.
    pub fn wait_until_asleep(&self, timeout: Duration) -> io::Result<()> {
        procfs::wait_until_asleep(&self.tids, timeout)
    }

    /// Closes the pipe, joins every thread and returns how many of them saw
    /// end of file, or the first error a thread reported.
    pub fn release(mut self) -> io::Result<usize> {
        self.join_all()
    }

    fn join_all(&mut self) -> io::Result<usize> {
        drop(self.writer.take());
        let mut first_error = None;
        let mut woke_with_eof = 0;
        for handle in self.handles.drain(..) {
            match handle.join() {
                Ok(Ok(())) => woke_with_eof += 1,
                Ok(Err(e)) => first_error = first_error.or(Some(e)),
                Err(_) => {
                    first_error = first_error
                        .or(Some(io::Error::other("a thread panicked")))
                }
            }
        }
        first_error.map_or(Ok(woke_with_eof), Err)
    }
}

impl Drop for BlockedThreads {
    fn drop(&mut self) {
        // Errors were reported by `release` if anyone cared; here we only make
        // sure no thread is left blocked.
        let _ = self.join_all();
    }
}

/// Waits until every slot holds a thread id, and returns them.
fn collect_tids(
    slots: &[AtomicI32],
    timeout: Duration,
) -> io::Result<Vec<libc::pid_t>> {
    let deadline = Instant::now() + timeout;
    loop {
        let tids: Vec<_> = slots
            .iter()
            .map(|slot| slot.load(Ordering::Acquire))
            .collect();
        if tids.iter().all(|&tid| tid != 0) {
            return Ok(tids);
        }
        if Instant::now() >= deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "a thread never started",
            ));
        }
        thread::sleep(Duration::from_millis(1));
    }
}
