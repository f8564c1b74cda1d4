//! A fixed pool of threads serving connections from a shared queue.
//!
//! A worker serves one connection from start to end, so a client that sends
//! nothing keeps its worker waiting in `read`: with every worker held that
//! way, new connections wait in the queue however little they ask for.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};

use crate::accept::{ServerHandle, accept_loop};
use crate::echo::serve_connection;

// ANCHOR: pool
/// `workers` threads, each taking the next connection off one shared queue.
pub struct ThreadPool {
    // Declared first, so it is dropped first: closing the queue is what tells
    // the workers to stop before `Workers` joins them.
    queue: Sender<TcpStream>,
    _workers: Workers,
}

impl ThreadPool {
    /// Starts `workers` threads that run `handler` on each queued connection.
    pub fn new<F>(workers: usize, handler: F) -> io::Result<Self>
    where
        F: Fn(TcpStream) + Send + Sync + 'static,
    {
        let (queue, receiver) = mpsc::channel();
        Ok(ThreadPool {
            queue,
            _workers: Workers::spawn(workers, receiver, handler)?,
        })
    }

    /// Queues a connection for the next free worker.
    pub fn execute(&self, stream: TcpStream) {
        // Fails only if every worker is gone; the stream is then dropped.
        let _ = self.queue.send(stream);
    }
}
// ANCHOR_END: pool

/// The threads of a pool. Dropping them waits for each to finish its
/// connection, so the queue must be closed first.
pub struct Workers(Vec<JoinHandle<()>>);

impl Workers {
    /// Starts `count` threads that serve connections from `receiver`.
    pub fn spawn<F>(
        count: usize,
        receiver: Receiver<TcpStream>,
        handler: F,
    ) -> io::Result<Self>
    where
        F: Fn(TcpStream) + Send + Sync + 'static,
    {
        let receiver = Arc::new(Mutex::new(receiver));
        let handler = Arc::new(handler);
        let threads = (0..count)
            .map(|i| {
                let receiver = Arc::clone(&receiver);
                let handler = Arc::clone(&handler);
                thread::Builder::new()
                    .name(format!("worker {i}"))
                    .spawn(move || work(&receiver, &*handler))
            })
            .collect::<io::Result<_>>()?;
        Ok(Workers(threads))
    }
}

// ANCHOR: work
/// A worker's life: take a connection, serve it to the end, repeat.
fn work(receiver: &Mutex<Receiver<TcpStream>>, handler: &dyn Fn(TcpStream)) {
    loop {
        // The lock is held only while waiting for the next connection: the
        // guard is a temporary, gone at the end of this statement.
        let next = receiver
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv();
        match next {
            Ok(stream) => handler(stream),
            Err(_) => return, // the queue was closed: the pool is being dropped
        }
    }
}
// ANCHOR_END: work

impl Drop for Workers {
    fn drop(&mut self) {
        for worker in self.0.drain(..) {
            let _ = worker.join();
        }
    }
}

/// The handler of a pool that echoes: like [`serve_connection`], for a stream
/// whose peer address was not kept.
pub fn echo_stream(stream: TcpStream) {
    // `peer_addr` fails only if the client is already gone; nothing to serve.
    if let Ok(peer) = stream.peer_addr() {
        serve_connection(stream, peer);
    }
}

// ANCHOR: serve
/// Serves connections with a pool of `workers` threads until `stop` is set.
pub fn serve(
    listener: &TcpListener,
    stop: &AtomicBool,
    workers: usize,
) -> io::Result<()> {
    let pool = ThreadPool::new(workers, echo_stream)?;
    accept_loop(listener, stop, |stream, _peer| pool.execute(stream))
}
// ANCHOR_END: serve

/// Runs [`serve`] on a background thread of this process.
pub fn spawn(
    listener: TcpListener,
    workers: usize,
) -> io::Result<ServerHandle> {
    ServerHandle::spawn(listener, move |listener, stop| {
        serve(listener, stop, workers)
    })
}
