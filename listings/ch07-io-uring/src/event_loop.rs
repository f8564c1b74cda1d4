//! The readiness loop: one thread, one poller, a slab of connection state
//! machines, and no green threads or futures. Everything is registered
//! level-triggered.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Instant;

use crate::accept::{self, AcceptFailure};
use crate::conn::Connection;
use crate::poll::{Event, Events, Interest, Mode, Poller, Token};
use crate::slab::Slab;

/// The listening socket's token; no slab token can be equal to it.
pub const LISTENER: Token = Token(u64::MAX - 1);

/// Room for events per `wait`; more ready descriptors wait for the next.
const EVENTS: usize = 1024;
/// Bytes per read: one buffer for the whole loop, not one per connection.
pub const SCRATCH: usize = 16 * 1024;
/// Connections accepted per readiness event of the listener; the rest wait
/// for the next round, so a burst of connects cannot starve the others.
const ACCEPT_BATCH: usize = 64;

// ANCHOR: shared
/// What other threads may see of a running loop.
#[derive(Default)]
pub struct Shared {
    stop: AtomicBool,
    open: AtomicUsize,
    buffered: AtomicUsize,
    most_pending: AtomicUsize,
    stale: AtomicU64,
    waits: AtomicU64,
}

/// A snapshot of a loop's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Connections open now.
    pub open: usize,
    /// Bytes held for peers now, over all connections.
    pub buffered: usize,
    /// The most bytes one connection has held at any time.
    pub most_pending: usize,
    /// Events dropped because their token named a closed connection.
    pub stale: u64,
    /// How often `wait` returned.
    pub waits: u64,
}

/// Stops a loop, from any thread, and reads its counters.
#[derive(Clone)]
pub struct Handle {
    poller: Arc<Poller>,
    shared: Arc<Shared>,
}

impl Handle {
    /// Asks the loop to return; `notify` wakes it if it is waiting.
    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Err(e) = self.poller.notify() {
            eprintln!("cannot wake the loop: {e}");
        }
    }

    pub fn stats(&self) -> Stats {
        let s = &self.shared;
        Stats {
            open: s.open.load(Ordering::Relaxed),
            buffered: s.buffered.load(Ordering::Relaxed),
            most_pending: s.most_pending.load(Ordering::Relaxed),
            stale: s.stale.load(Ordering::Relaxed),
            waits: s.waits.load(Ordering::Relaxed),
        }
    }
}
// ANCHOR_END: shared

// ANCHOR: echo_loop
/// The echo server's event loop.
pub struct EchoLoop {
    poller: Arc<Poller>,
    events: Events,
    /// This round's events, copied out of `events` so handling one may
    /// change the loop.
    ready: Vec<Event>,
    listener: TcpListener,
    connections: Slab<Connection>,
    scratch: Box<[u8]>,
    /// Out of descriptors: accepting resumes at this instant.
    paused_until: Option<Instant>,
    /// When accepting first failed for lack of resources, for the log.
    starved_since: Option<Instant>,
    /// Bytes held for peers over all connections.
    buffered: usize,
    shared: Arc<Shared>,
}
// ANCHOR_END: echo_loop

impl EchoLoop {
    /// Takes over `listener`: makes it non-blocking and registers it.
    pub fn new(listener: TcpListener) -> io::Result<EchoLoop> {
        listener.set_nonblocking(true)?;
        let poller = Arc::new(Poller::new()?);
        let fd = listener.as_fd();
        poller.add(fd, LISTENER, Interest::READABLE, Mode::Level)?;
        Ok(EchoLoop {
            poller,
            events: Events::with_capacity(EVENTS),
            ready: Vec::with_capacity(EVENTS),
            listener,
            connections: Slab::new(),
            scratch: vec![0; SCRATCH].into_boxed_slice(),
            paused_until: None,
            starved_since: None,
            buffered: 0,
            shared: Arc::default(),
        })
    }

    pub fn handle(&self) -> Handle {
        Handle {
            poller: Arc::clone(&self.poller),
            shared: Arc::clone(&self.shared),
        }
    }
}

// ANCHOR: run
impl EchoLoop {
    /// Serves until [`Handle::stop`]. Returns an error only if the poller
    /// or the listening socket fails; a connection's failure closes that
    /// connection.
    pub fn run(&mut self) -> io::Result<()> {
        loop {
            let timeout = self
                .paused_until
                .map(|until| until.saturating_duration_since(Instant::now()));
            self.poller.wait(&mut self.events, timeout)?;
            self.shared.waits.fetch_add(1, Ordering::Relaxed);
            if self.shared.stop.load(Ordering::Acquire) {
                return Ok(());
            }
            self.resume_accepting_when_due()?;
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
        }
    }
}
// ANCHOR_END: run

// ANCHOR: connection_ready
impl EchoLoop {
    fn connection_ready(&mut self, event: Event) {
        let Some(conn) = self.connections.get_mut(event.token) else {
            // Its connection closed after this event was reported, and the
            // slot may have a new owner: the generation tells them apart.
            self.shared.stale.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let before = conn.pending();
        conn.on_event(&event, &mut self.scratch);
        let after = conn.pending();
        self.buffered = self.buffered - before + after;
        self.shared.buffered.store(self.buffered, Ordering::Relaxed);
        self.shared.most_pending.fetch_max(after, Ordering::Relaxed);
        match conn.state().interest() {
            None => self.close(event.token),
            Some(interest) if interest != conn.registered() => {
                let fd = conn.stream().as_fd();
                match self.poller.modify(fd, event.token, interest, Mode::Level)
                {
                    Ok(()) => conn.set_registered(interest),
                    Err(e) => {
                        eprintln!("cannot change a registration: {e}");
                        self.close(event.token);
                    }
                }
            }
            Some(_) => {} // same interest: no system call
        }
    }

    /// Deregisters, then drops (closes) the connection.
    fn close(&mut self, token: Token) {
        if let Some(conn) = self.connections.remove(token) {
            // Before the close, while the descriptor still names it.
            let _ = self.poller.delete(conn.stream().as_fd());
            self.buffered -= conn.pending();
            self.shared.buffered.store(self.buffered, Ordering::Relaxed);
            self.shared.open.fetch_sub(1, Ordering::Relaxed);
        }
    }
}
// ANCHOR_END: connection_ready

// ANCHOR: accept
impl EchoLoop {
    /// Accepts waiting connections, at most [`ACCEPT_BATCH`] at a time.
    fn accept_ready(&mut self) -> io::Result<()> {
        for _ in 0..ACCEPT_BATCH {
            match self.listener.accept() {
                Ok((stream, _peer)) => self.open(stream),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => match accept::classify(&e) {
                    AcceptFailure::OutOfResources => {
                        self.pause_accepting(&e)?;
                        break;
                    }
                    AcceptFailure::ThisConnection => continue,
                    AcceptFailure::Listener => return Err(e),
                },
            }
        }
        Ok(())
    }

    fn open(&mut self, stream: TcpStream) {
        if let Some(since) = self.starved_since.take() {
            let waited = since.elapsed().as_secs_f64() * 1e3;
            eprintln!("accept: recovered after {waited:.0} ms");
        }
        // Send each echo at once, as chapters 3 and 5 do.
        let _ = stream.set_nodelay(true);
        if let Err(e) = stream.set_nonblocking(true) {
            eprintln!("cannot make a connection non-blocking: {e}");
            return; // dropping `stream` closes it
        }
        let token = self.connections.insert(Connection::new(stream));
        let conn = self.connections.get(token).expect("just inserted");
        let fd = conn.stream().as_fd();
        match self.poller.add(fd, token, Interest::READABLE, Mode::Level) {
            Ok(()) => {
                self.shared.open.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                // ENOMEM, or ENOSPC past fs.epoll.max_user_watches.
                eprintln!("cannot register a connection: {e}");
                self.connections.remove(token);
            }
        }
    }
}
// ANCHOR_END: accept

// ANCHOR: pause
impl EchoLoop {
    /// Out of descriptors or memory: the connection stays in the backlog,
    /// and the listener stays readable. Level-triggered, the loop would
    /// spin on it; so it stops watching the listener for a while and keeps
    /// serving the connections it has.
    fn pause_accepting(&mut self, e: &io::Error) -> io::Result<()> {
        if self.starved_since.is_none() {
            eprintln!(
                "accept: {e}; pausing accept, open connections keep being served"
            );
            self.starved_since = Some(Instant::now());
        }
        let fd = self.listener.as_fd();
        self.poller
            .modify(fd, LISTENER, Interest::NONE, Mode::Level)?;
        self.paused_until = Some(Instant::now() + accept::BACKOFF);
        Ok(())
    }

    fn resume_accepting_when_due(&mut self) -> io::Result<()> {
        if self
            .paused_until
            .is_some_and(|until| Instant::now() >= until)
        {
            self.paused_until = None;
            let fd = self.listener.as_fd();
            self.poller.modify(
                fd,
                LISTENER,
                Interest::READABLE,
                Mode::Level,
            )?;
        }
        Ok(())
    }
}
// ANCHOR_END: pause

/// An echo loop on its own thread; dropping it stops the loop and joins.
pub struct Running {
    handle: Handle,
    addr: std::net::SocketAddr,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Running {
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// Stops the loop and returns what `run` returned.
    pub fn stop(mut self) -> io::Result<()> {
        self.stop_and_join()
    }

    fn stop_and_join(&mut self) -> io::Result<()> {
        self.handle.stop();
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the loop panicked")),
            None => Ok(()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.stop_and_join();
    }
}

/// Runs an echo loop on `listener` on a new thread.
pub fn spawn(listener: TcpListener) -> io::Result<Running> {
    let addr = listener.local_addr()?;
    let mut echo_loop = EchoLoop::new(listener)?;
    let handle = echo_loop.handle();
    let thread = thread::Builder::new()
        .name("echo-loop".into())
        .spawn(move || echo_loop.run())?;
    Ok(Running {
        handle,
        addr,
        thread: Some(thread),
    })
}
