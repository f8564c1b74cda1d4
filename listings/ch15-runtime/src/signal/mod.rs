//! Signals as futures: `Signals::new(&[SIGTERM])?.recv().await`, on the
//! reactor, like `tokio::signal::unix`.
//!
//! The handler side ([`pipe`]) knows no tasks: it counts a signal and
//! writes a byte into a pipe. This side registers the pipe's read end with
//! the reactor like any socket, and when it is readable, drains it and
//! compares the counts with the ones it saw last. Each [`Signals`] has its
//! own descriptor and its own counts, so any number of them may watch the
//! same signal and each sees it.
//!
//! One pipe serves them all, though, and a byte is read only once. epoll
//! looks at a file again when it hands out an event, so if one watcher
//! empties the pipe before another's reactor gets there, that reactor
//! drops the event: the other watcher would sleep through its signal. So
//! the watcher that empties the pipe wakes every watcher waiting (in any
//! runtime of the process), and each looks at the counts itself, as
//! tokio's signal driver broadcasts to its listeners.

pub mod pipe;

use std::future::poll_fn;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::io::PollEvented;
use crate::reactor::Direction;

// ANCHOR: signals
/// A watcher of some signals, registered with the runtime's reactor.
pub struct Signals {
    pipe: PollEvented<OwnedFd>,
    /// Each watched signal, and how many of it this watcher has reported.
    seen: Vec<(libc::c_int, u64)>,
    /// This watcher's name in [`WAITING`].
    id: u64,
}

/// The watchers waiting now, in every runtime of the process, with their
/// wakers: whoever empties the pipe wakes them (see the module's docs).
static WAITING: Mutex<Vec<(u64, Waker)>> = Mutex::new(Vec::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

impl Signals {
    /// Starts watching `signals`; only those that arrive from now on are
    /// reported. Must run inside a runtime, as sockets must.
    pub fn new(signals: &[libc::c_int]) -> io::Result<Signals> {
        if signals.is_empty() {
            return Err(io::ErrorKind::InvalidInput.into());
        }
        for &signo in signals {
            pipe::install(signo)?;
        }
        let fd = pipe::reader()?;
        let seen = signals.iter().map(|&s| (s, pipe::received(s))).collect();
        Ok(Signals {
            pipe: PollEvented::new(fd)?,
            seen,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        })
    }

    /// Waits for the next of the watched signals, and returns its number.
    /// Several arrivals of one signal before this looks count as one, as
    /// they do in the kernel.
    pub async fn recv(&mut self) -> io::Result<libc::c_int> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    // ANCHOR: poll_recv
    pub fn poll_recv(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<libc::c_int>> {
        loop {
            if let Some(signo) = self.take_new() {
                self.stop_waiting();
                return Poll::Ready(Ok(signo));
            }
            // Empty the pipe; when it is empty, wait for the reactor.
            let registration = self.pipe.registration();
            let fd = self.pipe.get_ref().as_fd();
            match registration.poll_io(cx, Direction::Read, || pipe::drain(fd))
            {
                // We took bytes other watchers' reactors may now never
                // report: wake those watchers, then look at our counts.
                Poll::Ready(Ok(_)) => wake_waiting(),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                // The reactor has our waker, and so has `WAITING` from
                // here on: a signal counted after the look below also
                // writes a byte, and whoever reads it wakes us.
                Poll::Pending => {
                    self.wait(cx.waker());
                    return match self.take_new() {
                        Some(signo) => {
                            self.stop_waiting();
                            Poll::Ready(Ok(signo))
                        }
                        None => Poll::Pending,
                    };
                }
            }
        }
    }
    // ANCHOR_END: poll_recv

    /// Puts (or keeps) this watcher's waker in `WAITING`.
    fn wait(&self, waker: &Waker) {
        let mut waiting =
            WAITING.lock().unwrap_or_else(PoisonError::into_inner);
        match waiting.iter_mut().find(|(id, _)| *id == self.id) {
            Some((_, stored)) => stored.clone_from(waker),
            None => waiting.push((self.id, waker.clone())),
        }
    }

    fn stop_waiting(&self) {
        let mut waiting =
            WAITING.lock().unwrap_or_else(PoisonError::into_inner);
        waiting.retain(|(id, _)| *id != self.id);
    }

    /// The first watched signal whose count moved since we last looked.
    fn take_new(&mut self) -> Option<libc::c_int> {
        self.seen.iter_mut().find_map(|(signo, seen)| {
            let now = pipe::received(*signo);
            (now > *seen).then(|| {
                *seen = now;
                *signo
            })
        })
    }
}
// ANCHOR_END: signals

impl Drop for Signals {
    fn drop(&mut self) {
        self.stop_waiting();
    }
}

/// Wakes every waiting watcher; each looks at its counts when polled and
/// waits again if nothing it watches came. The wakers run outside the lock.
fn wake_waiting() {
    let woken = std::mem::take(
        &mut *WAITING.lock().unwrap_or_else(PoisonError::into_inner),
    );
    for (_, waker) in woken {
        waker.wake();
    }
}

// ANCHOR: stop_signal
/// Waits for the first SIGINT (Ctrl-C) or SIGTERM (what `kill`, systemd
/// and Kubernetes send) from the moment it is called, and returns which.
/// The watch starts at the call, before the first `.await`.
pub fn stop_signal() -> io::Result<impl Future<Output = io::Result<libc::c_int>>>
{
    let mut signals = Signals::new(&[libc::SIGINT, libc::SIGTERM])?;
    Ok(async move { signals.recv().await })
}
// ANCHOR_END: stop_signal
