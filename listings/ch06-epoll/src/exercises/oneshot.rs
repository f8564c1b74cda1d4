//! Exercise 2's solution: several worker threads wait on one epoll
//! instance. Every registration is one-shot, so an event disarms it and
//! only one worker handles a connection at a time; the worker re-arms it
//! when it is done.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};

use crate::accept::{self, AcceptFailure};
use crate::conn::Connection;
use crate::event_loop::{LISTENER, SCRATCH};
use crate::poll::{Event, Events, Interest, Mode, Poller};
use crate::slab::Slab;

// ANCHOR: shared
struct Shared {
    poller: Poller,
    listener: TcpListener,
    /// `None` while a worker has the connection out of the table.
    connections: Mutex<Slab<Option<Connection>>>,
    stop: AtomicBool,
    /// Events for a connection another worker was handling. One-shot
    /// registrations make this impossible; the tests check it stays 0.
    collisions: AtomicU64,
}
// ANCHOR_END: shared

/// The workers; dropping it stops and joins them.
pub struct OneshotServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    workers: Vec<JoinHandle<io::Result<()>>>,
}

impl OneshotServer {
    pub fn spawn(
        listener: TcpListener,
        workers: usize,
    ) -> io::Result<OneshotServer> {
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let poller = Poller::new()?;
        let fd = listener.as_fd();
        poller.add(fd, LISTENER, Interest::READABLE, Mode::Oneshot)?;
        let shared = Arc::new(Shared {
            poller,
            listener,
            connections: Mutex::new(Slab::new()),
            stop: AtomicBool::new(false),
            collisions: AtomicU64::new(0),
        });
        let workers = (0..workers)
            .map(|_| {
                let shared = Arc::clone(&shared);
                thread::spawn(move || work(&shared))
            })
            .collect();
        Ok(OneshotServer {
            shared,
            addr,
            workers,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn collisions(&self) -> u64 {
        self.shared.collisions.load(Ordering::Relaxed)
    }
}

impl Drop for OneshotServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        // One notification wakes one waiter; each passes it on (`work`).
        let _ = self.shared.poller.notify();
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

// ANCHOR: work
fn work(shared: &Shared) -> io::Result<()> {
    let mut events = Events::with_capacity(64);
    let mut scratch = vec![0; SCRATCH];
    loop {
        shared.poller.wait(&mut events, None)?;
        if shared.stop.load(Ordering::Acquire) {
            return shared.poller.notify(); // wake the next worker
        }
        for event in events.iter() {
            if event.token == LISTENER {
                accept_all(shared)?;
                // Re-arm only after accepting up to EAGAIN.
                let fd = shared.listener.as_fd();
                let readable = Interest::READABLE;
                shared
                    .poller
                    .modify(fd, LISTENER, readable, Mode::Oneshot)?;
            } else {
                serve(shared, event, &mut scratch);
            }
        }
    }
}

fn serve(shared: &Shared, event: Event, scratch: &mut [u8]) {
    // Take the connection out, so no lock is held while it is served.
    let taken = match table(shared).get_mut(event.token) {
        Some(slot) => match slot.take() {
            Some(conn) => conn,
            None => {
                shared.collisions.fetch_add(1, Ordering::Relaxed);
                return;
            }
        },
        None => return, // stale
    };
    let mut conn = taken;
    conn.on_event(&event, scratch);
    let mut table = table(shared);
    match conn.state().interest() {
        None => {
            let _ = shared.poller.delete(conn.stream().as_fd());
            table.remove(event.token);
        }
        Some(interest) => {
            // Back in the table, then re-armed: the next event may go to
            // another worker, which must find it there.
            let Some(slot) = table.get_mut(event.token) else {
                return;
            };
            let fd = slot.insert(conn).stream().as_fd();
            let mode = Mode::Oneshot;
            if shared
                .poller
                .modify(fd, event.token, interest, mode)
                .is_err()
            {
                table.remove(event.token);
            }
        }
    }
}
// ANCHOR_END: work

fn table(shared: &Shared) -> MutexGuard<'_, Slab<Option<Connection>>> {
    shared
        .connections
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn accept_all(shared: &Shared) -> io::Result<()> {
    loop {
        match shared.listener.accept() {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                stream.set_nonblocking(true)?;
                let mut table = table(shared);
                let token = table.insert(Some(Connection::new(stream)));
                let Some(Some(conn)) = table.get(token) else {
                    unreachable!("just inserted");
                };
                let fd = conn.stream().as_fd();
                let mode = Mode::Oneshot;
                if shared
                    .poller
                    .add(fd, token, Interest::READABLE, mode)
                    .is_err()
                {
                    table.remove(token);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) => match accept::classify(&e) {
                // This worker backs off before it re-arms the listener;
                // the others keep serving meanwhile.
                AcceptFailure::OutOfResources => {
                    thread::sleep(accept::BACKOFF);
                    return Ok(());
                }
                AcceptFailure::ThisConnection => continue,
                AcceptFailure::Listener => return Err(e),
            },
        }
    }
}
