//! Exercise 1's solution: the echo loop, closing connections that have been
//! idle (no readiness event) for longer than a timeout.
//!
//! A heap of deadlines, each with the token it belongs to. Activity does
//! not search the heap: it pushes a new deadline and leaves the old entry
//! to be skipped when it comes up (it no longer matches the connection's
//! current deadline). The nearest deadline becomes `wait`'s timeout.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io;
use std::net::TcpListener;
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::accept::{self, AcceptFailure};
use crate::conn::Connection;
use crate::event_loop::{LISTENER, SCRATCH};
use crate::poll::{Event, Events, Interest, Mode, Poller, Token};
use crate::slab::Slab;

// ANCHOR: timed
/// A connection and the instant it counts as idle.
struct Timed {
    conn: Connection,
    deadline: Instant,
}

pub struct IdleLoop {
    poller: Arc<Poller>,
    events: Events,
    ready: Vec<Event>,
    listener: TcpListener,
    connections: Slab<Timed>,
    /// Earliest first; entries whose connection has moved on are stale.
    deadlines: BinaryHeap<Reverse<(Instant, Token)>>,
    idle: Duration,
    scratch: Box<[u8]>,
    paused_until: Option<Instant>,
    stop: Arc<AtomicBool>,
}
// ANCHOR_END: timed

/// Stops an [`IdleLoop`] from another thread.
pub struct Stopper {
    poller: Arc<Poller>,
    stop: Arc<AtomicBool>,
}

impl Stopper {
    pub fn stop(&self) -> io::Result<()> {
        self.stop.store(true, Ordering::Release);
        self.poller.notify()
    }
}

impl IdleLoop {
    pub fn new(listener: TcpListener, idle: Duration) -> io::Result<IdleLoop> {
        listener.set_nonblocking(true)?;
        let poller = Arc::new(Poller::new()?);
        let fd = listener.as_fd();
        poller.add(fd, LISTENER, Interest::READABLE, Mode::Level)?;
        Ok(IdleLoop {
            poller,
            events: Events::with_capacity(1024),
            ready: Vec::new(),
            listener,
            connections: Slab::new(),
            deadlines: BinaryHeap::new(),
            idle,
            scratch: vec![0; SCRATCH].into_boxed_slice(),
            paused_until: None,
            stop: Arc::default(),
        })
    }

    pub fn stopper(&self) -> Stopper {
        Stopper {
            poller: Arc::clone(&self.poller),
            stop: Arc::clone(&self.stop),
        }
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.connections.len()
    }
}

// ANCHOR: run
impl IdleLoop {
    pub fn run(&mut self) -> io::Result<()> {
        while !self.stop.load(Ordering::Acquire) {
            let now = Instant::now();
            let next = [self.next_deadline(), self.paused_until];
            let timeout = next
                .into_iter()
                .flatten()
                .min()
                .map(|at| at.saturating_duration_since(now));
            self.poller.wait(&mut self.events, timeout)?;
            self.ready.clear();
            self.ready.extend(self.events.iter());
            for i in 0..self.ready.len() {
                let event = self.ready[i];
                if event.token == LISTENER {
                    self.accept_ready()?;
                } else {
                    self.connection_ready(event);
                }
            }
            self.close_idle(Instant::now());
            self.resume_accepting_when_due()?;
        }
        Ok(())
    }

    /// The nearest deadline, after dropping stale entries from the top.
    fn next_deadline(&mut self) -> Option<Instant> {
        while let Some(&Reverse((at, token))) = self.deadlines.peek() {
            match self.connections.get(token) {
                Some(timed) if timed.deadline == at => return Some(at),
                _ => {
                    self.deadlines.pop(); // closed, or active since
                }
            }
        }
        None
    }

    fn close_idle(&mut self, now: Instant) {
        while let Some(at) = self.next_deadline() {
            if at > now {
                break;
            }
            let Some(Reverse((_, token))) = self.deadlines.pop() else {
                break;
            };
            self.close(token);
        }
    }
}
// ANCHOR_END: run

// ANCHOR: touch
impl IdleLoop {
    fn connection_ready(&mut self, event: Event) {
        let deadline = Instant::now() + self.idle;
        let Some(timed) = self.connections.get_mut(event.token) else {
            return; // stale
        };
        timed.conn.on_event(&event, &mut self.scratch);
        // Any event counts as activity: a new deadline, the old entry in
        // the heap goes stale.
        timed.deadline = deadline;
        self.deadlines.push(Reverse((deadline, event.token)));
        let conn = &mut timed.conn;
        match conn.state().interest() {
            None => self.close(event.token),
            Some(interest) if interest != conn.registered() => {
                let fd = conn.stream().as_fd();
                match self.poller.modify(fd, event.token, interest, Mode::Level)
                {
                    Ok(()) => conn.set_registered(interest),
                    Err(_) => self.close(event.token),
                }
            }
            Some(_) => {}
        }
    }
}
// ANCHOR_END: touch

impl IdleLoop {
    fn close(&mut self, token: Token) {
        if let Some(timed) = self.connections.remove(token) {
            let _ = self.poller.delete(timed.conn.stream().as_fd());
        }
    }

    fn accept_ready(&mut self) -> io::Result<()> {
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    stream.set_nonblocking(true)?;
                    let deadline = Instant::now() + self.idle;
                    let token = self.connections.insert(Timed {
                        conn: Connection::new(stream),
                        deadline,
                    });
                    let timed = self.connections.get(token).expect("inserted");
                    let fd = timed.conn.stream().as_fd();
                    let mode = Mode::Level;
                    match self.poller.add(fd, token, Interest::READABLE, mode) {
                        Ok(()) => {
                            self.deadlines.push(Reverse((deadline, token)));
                        }
                        Err(_) => {
                            self.connections.remove(token);
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => match accept::classify(&e) {
                    AcceptFailure::OutOfResources => {
                        let fd = self.listener.as_fd();
                        let none = Interest::NONE;
                        self.poller.modify(fd, LISTENER, none, Mode::Level)?;
                        self.paused_until =
                            Some(Instant::now() + accept::BACKOFF);
                        break;
                    }
                    AcceptFailure::ThisConnection => continue,
                    AcceptFailure::Listener => return Err(e),
                },
            }
        }
        Ok(())
    }

    fn resume_accepting_when_due(&mut self) -> io::Result<()> {
        if self.paused_until.is_some_and(|at| Instant::now() >= at) {
            self.paused_until = None;
            let fd = self.listener.as_fd();
            let readable = Interest::READABLE;
            self.poller.modify(fd, LISTENER, readable, Mode::Level)?;
        }
        Ok(())
    }
}
