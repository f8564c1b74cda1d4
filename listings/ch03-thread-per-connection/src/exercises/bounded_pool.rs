//! Exercise 1: a pool whose queue holds at most `capacity` connections and
//! turns away the next one, instead of letting it wait without end.

use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, SyncSender, TrySendError};

use crate::accept::accept_loop;
use crate::pool::{Workers, echo_stream};

/// What a turned-away client reads before the connection closes.
pub const BUSY: &[u8] = b"busy, try again later\n";

// ANCHOR: bounded_pool
/// A pool with a bounded queue.
pub struct BoundedPool {
    queue: SyncSender<TcpStream>, // dropped first: see `ThreadPool`
    _workers: Workers,
}

impl BoundedPool {
    /// `workers` threads behind a queue of at most `capacity` connections.
    pub fn new<F>(
        workers: usize,
        capacity: usize,
        handler: F,
    ) -> io::Result<Self>
    where
        F: Fn(TcpStream) + Send + Sync + 'static,
    {
        let (queue, receiver) = mpsc::sync_channel(capacity);
        Ok(BoundedPool {
            queue,
            _workers: Workers::spawn(workers, receiver, handler)?,
        })
    }

    /// Queues `stream`, or hands it back if the queue is full.
    pub fn try_execute(&self, stream: TcpStream) -> Result<(), TcpStream> {
        match self.queue.try_send(stream) {
            Ok(()) => Ok(()),
            Err(
                TrySendError::Full(stream) | TrySendError::Disconnected(stream),
            ) => Err(stream),
        }
    }
}

/// Serves with a bounded pool, telling clients that do not fit that it is busy.
pub fn serve(
    listener: &TcpListener,
    stop: &AtomicBool,
    workers: usize,
    capacity: usize,
) -> io::Result<()> {
    let pool = BoundedPool::new(workers, capacity, echo_stream)?;
    accept_loop(listener, stop, |stream, _peer| {
        if let Err(mut rejected) = pool.try_execute(stream) {
            // Best effort, and it cannot block for long: a fresh socket's send
            // buffer has room for a short line.
            let _ = rejected.write_all(BUSY);
        }
    })
}
// ANCHOR_END: bounded_pool
