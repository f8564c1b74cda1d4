//! Way A: one OS thread per task, each blocked in `read` until its message
//! arrives.

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use crate::latch::Latch;
use crate::message;

// ANCHOR: spawn_waiters
/// Starts one thread per pipe. Each announces itself on `latch`, then blocks.
pub fn spawn_waiters(
    readers: Vec<OwnedFd>,
    latch: &Arc<Latch>,
) -> io::Result<Vec<JoinHandle<io::Result<u64>>>> {
    readers
        .into_iter()
        .map(|reader| {
            let latch = Arc::clone(latch);
            thread::Builder::new()
                .spawn(move || wait_for_message(reader, &latch))
        })
        .collect()
}
// ANCHOR_END: spawn_waiters

// ANCHOR: wait_for_message
/// The whole task, written as straight-line code: the kernel parks this
/// thread inside `read_exact` until the feeder writes.
pub fn wait_for_message(reader: OwnedFd, latch: &Latch) -> io::Result<u64> {
    let mut pipe = File::from(reader);
    let mut bytes = [0; message::LEN];
    latch.arrive(1);
    // `read_exact` retries after EINTR and keeps reading after a short read.
    pipe.read_exact(&mut bytes)?;
    Ok(message::decode(bytes))
}
// ANCHOR_END: wait_for_message
