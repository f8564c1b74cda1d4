//! Way B: every task on one thread, which asks the OS with `poll(2)` which
//! pipes have data and advances only those tasks.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::task::Poll;

use crate::latch::Latch;
use crate::sys::{cvt, set_nonblocking};
use crate::task::Task;

// ANCHOR: serve
/// A task that is still waiting, and where its result goes.
struct Waiting<T> {
    index: usize,
    pipe: File,
    task: T,
}

/// Drives every task to completion on the calling thread and returns their
/// results in the order of `tasks`. One task's error never stops the others.
pub fn serve<T: Task>(
    tasks: Vec<(OwnedFd, T)>,
    latch: &Latch,
) -> Vec<io::Result<T::Output>> {
    let count = tasks.len();
    let mut results: Vec<Option<io::Result<T::Output>>> =
        (0..count).map(|_| None).collect();
    // `interest[i]` tells the OS what `waiting[i]` waits for.
    let mut interest = Vec::with_capacity(count);
    let mut waiting = Vec::with_capacity(count);
    for (index, (reader, task)) in tasks.into_iter().enumerate() {
        if let Err(e) = set_nonblocking(reader.as_fd()) {
            results[index] = Some(Err(e));
            continue;
        }
        interest.push(libc::pollfd {
            fd: reader.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        });
        waiting.push(Waiting {
            index,
            pipe: File::from(reader),
            task,
        });
    }
    latch.arrive(count);
    while !interest.is_empty() {
        if let Err(e) = wait_for_readiness(&mut interest) {
            for task in &waiting {
                results[task.index] =
                    Some(Err(io::Error::new(e.kind(), e.to_string())));
            }
            break;
        }
        // Walk backwards: `swap_remove` then moves only entries already seen.
        for slot in (0..interest.len()).rev() {
            if interest[slot].revents == 0 {
                continue;
            }
            let task = &mut waiting[slot];
            if let Poll::Ready(result) = task.task.on_readable(&mut task.pipe) {
                results[task.index] = Some(result);
                interest.swap_remove(slot);
                waiting.swap_remove(slot);
            }
        }
    }
    results
        .into_iter()
        .map(|result| {
            result
                .unwrap_or_else(|| Err(io::Error::other("task never finished")))
        })
        .collect()
}
// ANCHOR_END: serve

// ANCHOR: wait_for_readiness
/// Sleeps until at least one pipe in `interest` is readable (or closed), and
/// marks which in their `revents`.
pub fn wait_for_readiness(interest: &mut [libc::pollfd]) -> io::Result<()> {
    let count =
        libc::nfds_t::try_from(interest.len()).map_err(io::Error::other)?;
    loop {
        // SAFETY: `interest` is a valid, writable array of `count` pollfds;
        // poll writes only their `revents` fields.
        match cvt(unsafe { libc::poll(interest.as_mut_ptr(), count, -1) }) {
            Ok(_) => return Ok(()),
            // A signal arrived while we slept: nothing is ready, ask again.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}
// ANCHOR_END: wait_for_readiness
