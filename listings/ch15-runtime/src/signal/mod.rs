//! Signals as futures: `Signals::new(&[SIGTERM])?.recv().await`, on the
//! reactor, like `tokio::signal::unix`.
//!
//! The handler side ([`pipe`]) knows no tasks: it counts a signal and
//! writes a byte into a pipe. This side registers the pipe's read end with
//! the reactor like any socket, and when it is readable, drains it and
//! compares the counts with the ones it saw last. Each [`Signals`] has its
//! own descriptor and its own counts, so any number of them may watch the
//! same signal and each sees it.

pub mod pipe;

use std::future::poll_fn;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::task::{Context, Poll};

use crate::io::PollEvented;
use crate::reactor::Direction;

// ANCHOR: signals
/// A watcher of some signals, registered with the runtime's reactor.
pub struct Signals {
    pipe: PollEvented<OwnedFd>,
    /// Each watched signal, and how many of it this watcher has reported.
    seen: Vec<(libc::c_int, u64)>,
}

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
                return Poll::Ready(Ok(signo));
            }
            // Empty the pipe; when it is empty, wait for the reactor.
            let registration = self.pipe.registration();
            let fd = self.pipe.get_ref().as_fd();
            match registration.poll_io(cx, Direction::Read, || pipe::drain(fd))
            {
                Poll::Ready(Ok(_)) => continue,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                // The waker is stored: a signal counted after this look
                // also writes a byte, which wakes us.
                Poll::Pending => {
                    return match self.take_new() {
                        Some(signo) => Poll::Ready(Ok(signo)),
                        None => Poll::Pending,
                    };
                }
            }
        }
    }
    // ANCHOR_END: poll_recv

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
