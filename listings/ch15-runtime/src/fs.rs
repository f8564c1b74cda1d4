//! Files, the way `tokio::fs` does them: each function runs its `std::fs`
//! namesake on the blocking pool and returns a future of its result. epoll
//! cannot wait for a regular file (it refuses to register one), so there
//! is no readiness to wait for: a thread has to make the call and block in
//! it, and it had better not be the runtime's.
//!
//! Each call is one job on the pool, so a whole-file function costs one
//! round trip to a pool thread, whatever the file's size.

use std::fs::Metadata;
use std::io;
use std::path::Path;

use crate::blocking::spawn_blocking;
use crate::trace;

// ANCHOR: asyncify
/// Runs a file operation on the blocking pool and waits for it without
/// holding the thread. A job that never ran (the runtime shut down first)
/// or that panicked becomes an error, as in tokio.
async fn asyncify<T, F>(op: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    match spawn_blocking(op).await {
        Ok(result) => result,
        Err(e) => Err(io::Error::other(format!("background task failed: {e}"))),
    }
}
// ANCHOR_END: asyncify

// ANCHOR: read
/// Reads the whole file, like `std::fs::read`, on the blocking pool.
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    // The job may outlive this call's borrow: it gets a path of its own.
    let path = path.as_ref().to_owned();
    asyncify(move || {
        let read = std::fs::read(&path);
        traced("std::fs::read", &read, |bytes| {
            format!("{} bytes", bytes.len())
        });
        read
    })
    .await
}
// ANCHOR_END: read

// ANCHOR: write
/// Writes `contents` as the whole file, like `std::fs::write`, on the
/// blocking pool. The bytes are copied once, for the job to own.
pub async fn write(
    path: impl AsRef<Path>,
    contents: impl AsRef<[u8]>,
) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    asyncify(move || {
        let written = std::fs::write(&path, &contents);
        traced("std::fs::write", &written, |()| {
            format!("{} bytes", contents.len())
        });
        written
    })
    .await
}
// ANCHOR_END: write

/// Reads the whole file as UTF-8, like `std::fs::read_to_string`.
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read_to_string(&path)).await
}

/// The file's metadata, like `std::fs::metadata`.
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::metadata(&path)).await
}

/// Records a finished call in the trace, from the pool thread that made it.
fn traced<T>(
    call: &str,
    result: &io::Result<T>,
    ok: impl FnOnce(&T) -> String,
) {
    trace::record(|| {
        let outcome = match result {
            Ok(value) => ok(value),
            Err(e) => format!("error: {e}"),
        };
        format!("{}->>K: {call}: {outcome}", trace::actor())
    });
}
