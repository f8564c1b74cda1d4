//! Exercise 2: a third way, the poll loop rebuilt on epoll.
//!
//! `poll` hands the kernel the whole interest list on every call and the
//! kernel checks every entry, so one call costs time in proportion to the
//! number of waiting tasks. epoll keeps the interest list in the kernel
//! (`epoll_ctl` once per pipe) and `epoll_wait` returns only the ready ones.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::task::Poll;

use crate::latch::Latch;
use crate::sys::{cvt, set_nonblocking};
use crate::task::Task;

/// How many ready pipes one `epoll_wait` may report.
pub const EVENTS_PER_WAIT: usize = 256;

// ANCHOR: serve
/// A task that is still waiting, and where its result goes.
struct Waiting<T> {
    index: usize,
    pipe: File,
    task: T,
}

/// Same contract as [`crate::poll_loop::serve`], built on epoll.
pub fn serve<T: Task>(
    tasks: Vec<(OwnedFd, T)>,
    latch: &Latch,
) -> Vec<io::Result<T::Output>> {
    let count = tasks.len();
    let mut results: Vec<Option<io::Result<T::Output>>> =
        (0..count).map(|_| None).collect();
    let mut waiting: Vec<Option<Waiting<T>>> =
        (0..count).map(|_| None).collect();
    let epoll = match epoll_create() {
        Ok(epoll) => epoll,
        Err(e) => {
            latch.arrive(count);
            return (0..count)
                .map(|_| Err(io::Error::new(e.kind(), e.to_string())))
                .collect();
        }
    };
    let mut still_waiting = 0;
    for (index, (reader, task)) in tasks.into_iter().enumerate() {
        // The event's data is the task's index, so a readiness event leads
        // straight to its task, with no search.
        match set_nonblocking(reader.as_fd())
            .and_then(|()| register(&epoll, &reader, index))
        {
            Ok(()) => {
                let pipe = File::from(reader);
                waiting[index] = Some(Waiting { index, pipe, task });
                still_waiting += 1;
            }
            Err(e) => results[index] = Some(Err(e)),
        }
    }
    latch.arrive(count);
    let mut events =
        vec![libc::epoll_event { events: 0, u64: 0 }; EVENTS_PER_WAIT];
    while still_waiting > 0 {
        let ready = match wait_for_events(&epoll, &mut events) {
            Ok(ready) => ready,
            Err(e) => {
                for task in waiting.iter().flatten() {
                    results[task.index] =
                        Some(Err(io::Error::new(e.kind(), e.to_string())));
                }
                break;
            }
        };
        for event in ready {
            let Some(slot) = usize::try_from(event.u64)
                .ok()
                .and_then(|i| waiting.get_mut(i))
            else {
                continue;
            };
            let Some(task) = slot else { continue };
            if let Poll::Ready(result) = task.task.on_readable(&mut task.pipe) {
                results[task.index] = Some(result);
                // Closing the pipe (dropping it) also removes it from epoll.
                *slot = None;
                still_waiting -= 1;
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

pub fn epoll_create() -> io::Result<OwnedFd> {
    // SAFETY: epoll_create1 takes no pointers; on success it returns a new
    // descriptor that nobody else owns.
    let fd = cvt(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
    // SAFETY: `fd` is open and ours alone (see above).
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

// ANCHOR: epoll_calls
/// Tells epoll that task `index` waits for `pipe` to become readable.
pub fn register(
    epoll: &OwnedFd,
    pipe: &OwnedFd,
    index: usize,
) -> io::Result<()> {
    let mut event = libc::epoll_event {
        events: libc::EPOLLIN as u32,
        u64: index as u64,
    };
    // SAFETY: both descriptors are open (we borrow them) and `event` is a
    // valid epoll_event that epoll_ctl only reads.
    cvt(unsafe {
        libc::epoll_ctl(
            epoll.as_raw_fd(),
            libc::EPOLL_CTL_ADD,
            pipe.as_raw_fd(),
            &mut event,
        )
    })?;
    Ok(())
}

/// Sleeps until some registered pipe is ready and returns the ready ones.
pub fn wait_for_events<'a>(
    epoll: &OwnedFd,
    events: &'a mut [libc::epoll_event],
) -> io::Result<&'a [libc::epoll_event]> {
    let capacity =
        libc::c_int::try_from(events.len()).map_err(io::Error::other)?;
    loop {
        // SAFETY: `events` is a valid, writable array of `capacity` events,
        // and epoll writes at most that many.
        let ready = unsafe {
            libc::epoll_wait(
                epoll.as_raw_fd(),
                events.as_mut_ptr(),
                capacity,
                -1,
            )
        };
        match cvt(ready) {
            // `ready` is between 0 and `capacity`, so the cast and slice hold.
            Ok(ready) => return Ok(&events[..ready as usize]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}
// ANCHOR_END: epoll_calls
