//! The completion loop: one thread, one ring, a slab of connections, and
//! the echo server of chapter 6 rebuilt on io_uring. The loop does no I/O
//! itself: it starts operations, and reacts to their completions.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::accept::{self, AcceptFailure};
use crate::driver::{Completion, Driver, Kind, Submit};
use crate::harness::limits;
use crate::launch;
use crate::poll::Token;
use crate::slab::Slab;
use crate::sys::cvt;
use crate::trace::Trace;
use crate::uring::Ring;
use crate::uring_conn::{Connection, Next, State};

/// The owner of the listener's operations (its accept, and the timer that
/// resumes accepting); no slab token can be equal to it.
pub const LISTENER: Token = Token(u64::MAX - 1);
/// The owner of the read on the wake-up eventfd.
pub const WAKE: Token = Token::NOTIFY;

/// Submission ring entries; the completion ring gets twice as many.
const ENTRIES: u32 = 256;
/// Bytes per connection buffer: what one recv may take, as chapter 6's
/// loop reads at most 16 KiB at a time.
pub const BUF_SIZE: usize = 16 * 1024;
/// The buffer of the read on the wake-up eventfd.
const WAKE_BUF: usize = 8;
/// How long stopping may wait for the kernel to finish cancelling.
const PATIENCE: Duration = Duration::from_secs(2);

// ANCHOR: config
/// How to run the loop.
#[derive(Clone)]
pub struct Config {
    /// One `io_uring_enter` per round, or one per operation.
    pub submit: Submit,
    /// Record the driver's pushes, system calls and completions.
    pub trace: Option<Trace>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            submit: Submit::Batched,
            trace: None,
        }
    }
}
// ANCHOR_END: config

/// What other threads may see of a running loop.
#[derive(Default)]
struct Shared {
    stop: AtomicBool,
    open: AtomicUsize,
    lent: AtomicUsize,
    short_sends: AtomicU64,
    retries: AtomicU64,
    full_rings: AtomicU64,
    lost: AtomicU64,
}

/// A snapshot of a loop's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Connections open now.
    pub open: usize,
    /// Bytes of connection buffers the kernel holds now.
    pub lent: usize,
    /// Sends that moved less than asked, so the rest went in another.
    pub short_sends: u64,
    /// Operations started again after `EAGAIN`, `ENOBUFS` or `EINTR`.
    pub retries: u64,
    /// Rounds that found completions waiting in the kernel because the
    /// completion ring was full.
    pub full_rings: u64,
    /// Completions the kernel reported as dropped.
    pub lost: u64,
}

/// Stops a loop from any thread, and reads its counters.
#[derive(Clone)]
pub struct Handle {
    wake: Arc<OwnedFd>,
    shared: Arc<Shared>,
}

impl Handle {
    /// Asks the loop to stop: its read of the eventfd completes.
    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::Release);
        let one = 1u64;
        // SAFETY: writes 8 bytes from a live u64 to the eventfd.
        let written = unsafe {
            libc::write(self.wake.as_raw_fd(), (&raw const one).cast(), 8)
        };
        if let Err(e) = cvt(written) {
            eprintln!("cannot wake the loop: {e}");
        }
    }

    pub fn stats(&self) -> Stats {
        let s = &self.shared;
        Stats {
            open: s.open.load(Ordering::Relaxed),
            lent: s.lent.load(Ordering::Relaxed),
            short_sends: s.short_sends.load(Ordering::Relaxed),
            retries: s.retries.load(Ordering::Relaxed),
            full_rings: s.full_rings.load(Ordering::Relaxed),
            lost: s.lost.load(Ordering::Relaxed),
        }
    }
}

// ANCHOR: uring_loop
/// The echo server's completion loop.
pub struct UringLoop {
    /// First, so it is dropped first (fields drop in order): it waits for
    /// the kernel before the connections' sockets and buffers go.
    driver: Driver,
    listener: TcpListener,
    connections: Slab<Connection>,
    /// An eventfd that [`Handle::stop`] writes to; the loop keeps a read
    /// of it in flight, so a write completes that read.
    wake: Arc<OwnedFd>,
    /// Out of descriptors: a timer runs, and accepting waits for it.
    paused: bool,
    starved_since: Option<Instant>,
    shared: Arc<Shared>,
}
// ANCHOR_END: uring_loop

impl UringLoop {
    /// Takes over `listener` (left blocking: the kernel waits for
    /// connections, not us).
    pub fn new(listener: TcpListener, config: Config) -> io::Result<UringLoop> {
        let mut driver = Driver::with_ring(Ring::new(ENTRIES)?, config.submit);
        if let Some(trace) = config.trace {
            driver.set_trace(trace);
        }
        // A blocking eventfd: a read of a non-blocking one may complete at
        // once with EAGAIN on older kernels instead of waiting.
        // SAFETY: no pointers; the result is checked.
        let fd = cvt(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) })?;
        // SAFETY: a new descriptor that nothing else owns.
        let wake = Arc::new(unsafe { OwnedFd::from_raw_fd(fd) });
        Ok(UringLoop {
            driver,
            listener,
            connections: Slab::new(),
            wake,
            paused: false,
            starved_since: None,
            shared: Arc::default(),
        })
    }

    pub fn handle(&self) -> Handle {
        Handle {
            wake: Arc::clone(&self.wake),
            shared: Arc::clone(&self.shared),
        }
    }
}

// ANCHOR: run
impl UringLoop {
    /// Serves until [`Handle::stop`]. Returns an error only if the ring or
    /// the listening socket fails; a connection's failure closes that
    /// connection.
    pub fn run(&mut self) -> io::Result<()> {
        self.driver
            .read(WAKE, self.wake.as_raw_fd(), vec![0; WAKE_BUF])?;
        self.driver.accept(LISTENER, self.listener.as_raw_fd())?;
        loop {
            // Everything the last round started, submitted, and a wait
            // for at least one completion: one system call.
            self.driver.wait()?;
            while let Some(done) = self.driver.reap() {
                match (done.owner, done.kind) {
                    (WAKE, _) if self.shared.stop.load(Ordering::Acquire) => {
                        return self.shut_down();
                    }
                    (WAKE, _) => self.rearm_wake(done)?,
                    (LISTENER, Kind::Accept) => self.accepted(done)?,
                    (LISTENER, _) => self.resume_accepting()?,
                    (owner, _) => self.connection_done(owner, done),
                }
            }
            self.check_rings();
        }
    }
}
// ANCHOR_END: run

// ANCHOR: connection_done
impl UringLoop {
    fn connection_done(&mut self, token: Token, done: Completion<Vec<u8>>) {
        let Some(conn) = self.connections.get_mut(token) else {
            // A connection closes only when nothing of it is in flight.
            eprintln!("a completion for a closed connection: {token:?}");
            return;
        };
        let buf = done.buf.expect("recv and send hand their buffer back");
        let was_short = matches!(conn.state(), State::Sending(_));
        let fd = conn.stream().as_raw_fd();
        let started = match conn.on_completion(done.kind, done.result, buf) {
            Next::Recv(buf) => self.driver.recv(token, fd, buf),
            Next::Send(buf, range) => {
                if was_short {
                    self.shared.short_sends.fetch_add(1, Ordering::Relaxed);
                }
                self.driver.send(token, fd, buf, range)
            }
            Next::Close => return self.close(token),
        };
        if let Err(e) = started {
            eprintln!("cannot start an operation: {e}");
            self.close(token);
        }
    }

    /// Drops (closes) a connection, which has nothing in flight.
    fn close(&mut self, token: Token) {
        if self.connections.remove(token).is_some() {
            self.shared.open.fetch_sub(1, Ordering::Relaxed);
        }
    }
}
// ANCHOR_END: connection_done

// ANCHOR: accept
impl UringLoop {
    fn accepted(&mut self, done: Completion<Vec<u8>>) -> io::Result<()> {
        let e = match (done.result, done.accepted) {
            (Ok(_), Some(fd)) => {
                self.open(TcpStream::from(fd));
                return self.accept_next();
            }
            (Ok(_), None) => unreachable!("an accept returns a descriptor"),
            (Err(e), _) => e,
        };
        match e.raw_os_error() {
            Some(libc::ECANCELED) => return Ok(()), // stopping
            Some(libc::EAGAIN) => return self.accept_next(),
            _ => {}
        }
        match accept::classify(&e) {
            AcceptFailure::OutOfResources => self.pause_accepting(&e),
            AcceptFailure::ThisConnection => self.accept_next(),
            AcceptFailure::Listener => Err(e),
        }
    }

    fn accept_next(&mut self) -> io::Result<()> {
        self.driver.accept(LISTENER, self.listener.as_raw_fd())?;
        Ok(())
    }

    fn open(&mut self, stream: TcpStream) {
        if let Some(since) = self.starved_since.take() {
            let waited = since.elapsed().as_secs_f64() * 1e3;
            eprintln!("accept: recovered after {waited:.0} ms");
        }
        // Send each echo at once, as chapter 6's loop does.
        let _ = stream.set_nodelay(true);
        let fd = stream.as_raw_fd();
        let token = self.connections.insert(Connection::new(stream));
        match self.driver.recv(token, fd, vec![0; BUF_SIZE]) {
            Ok(_) => {
                self.shared.open.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                eprintln!("cannot start a connection's first recv: {e}");
                self.connections.remove(token);
            }
        }
    }
}
// ANCHOR_END: accept

// ANCHOR: pause
impl UringLoop {
    /// Out of descriptors or memory: the connection stays in the backlog.
    /// No accept is in flight until a timer completes, so the loop keeps
    /// serving the connections it has, and does not spin.
    fn pause_accepting(&mut self, e: &io::Error) -> io::Result<()> {
        if self.starved_since.is_none() {
            eprintln!(
                "accept: {e}; pausing accept, open connections keep being served"
            );
            self.starved_since = Some(Instant::now());
        }
        self.paused = true;
        self.driver.timeout(LISTENER, accept::BACKOFF)?;
        Ok(())
    }

    fn resume_accepting(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.paused) {
            self.accept_next()?;
        }
        Ok(())
    }
}
// ANCHOR_END: pause

// ANCHOR: stop
impl UringLoop {
    fn rearm_wake(&mut self, done: Completion<Vec<u8>>) -> io::Result<()> {
        let buf = done.buf.unwrap_or_else(|| vec![0; WAKE_BUF]);
        self.driver.read(WAKE, self.wake.as_raw_fd(), buf)?;
        Ok(())
    }

    /// Cancels every operation in flight and waits for the kernel to
    /// finish with each, and only then closes the connections: their
    /// buffers are the kernel's until their completions arrive.
    fn shut_down(&mut self) -> io::Result<()> {
        let left = self.driver.shutdown(PATIENCE);
        if left > 0 {
            eprintln!("{left} operations did not finish; their memory leaks");
        }
        self.connections = Slab::new();
        self.shared.open.store(0, Ordering::Relaxed);
        self.check_rings();
        Ok(())
    }

    /// Updates the counters other threads read, and says so loudly if the
    /// kernel ever lost a completion (an operation whose buffer then
    /// stays in the table forever, and a connection that never moves).
    fn check_rings(&mut self) {
        let ring = self.driver.ring();
        let s = &self.shared;
        if ring.completions_waiting_in_kernel() {
            s.full_rings.fetch_add(1, Ordering::Relaxed);
        }
        let lost = u64::from(ring.dropped_completions());
        if lost > s.lost.swap(lost, Ordering::Relaxed) {
            eprintln!("the kernel dropped completions: {lost} so far");
        }
        // All but the loop's own read of the eventfd, while it is lent.
        let (buffers, bytes) = self.driver.lent();
        let connections = match buffers > self.connections.len() {
            true => bytes - WAKE_BUF,
            false => bytes,
        };
        s.lent.store(connections, Ordering::Relaxed);
    }
}
// ANCHOR_END: stop

/// A loop on its own thread; dropping it stops the loop and joins.
pub struct Running {
    handle: Handle,
    addr: SocketAddr,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Running {
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    pub fn addr(&self) -> SocketAddr {
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

/// Sets the descriptor limit (`None`: raise it to the hard limit), binds,
/// prints `listening on ADDR`, and serves until the process ends.
pub fn serve(
    addr: &str,
    max_fds: Option<u64>,
    config: Config,
) -> io::Result<()> {
    match max_fds {
        Some(max) => limits::lower_fd_limit(max)?,
        None => limits::raise_fd_limit()?,
    };
    let listener = launch::bind(addr)?;
    println!("listening on {}", listener.local_addr()?);
    io::stdout().flush()?;
    UringLoop::new(listener, config)?.run()
}

/// Runs a completion loop on `listener` on a new thread.
pub fn spawn(listener: TcpListener, config: Config) -> io::Result<Running> {
    let addr = listener.local_addr()?;
    let mut uring_loop = UringLoop::new(listener, config)?;
    let handle = uring_loop.handle();
    let thread = thread::Builder::new()
        .name("uring-loop".into())
        .spawn(move || uring_loop.run())?;
    Ok(Running {
        handle,
        addr,
        thread: Some(thread),
    })
}
