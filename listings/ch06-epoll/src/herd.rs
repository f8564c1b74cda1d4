//! The thundering herd: many threads, each with its own epoll instance,
//! wait for one listening socket. How many wake up for one connection,
//! with and without `EPOLLEXCLUSIVE`?

use std::io;
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use crate::harness::procfs;
use crate::poll::{Events, Interest, Mode, Poller, Token};
use crate::sys::cvt;

/// What the waiting threads did, summed over all of them.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Herd {
    /// Times a waiting thread was woken, counted by the kernel: each went
    /// back to sleep once more (`voluntary_ctxt_switches`).
    pub woken: u64,
    /// Returns from `wait` with an event.
    pub wakeups: u64,
    /// Connections accepted.
    pub accepted: u64,
    /// Wake-ups whose first `accept` found nothing (`EAGAIN`).
    pub empty: u64,
}

#[derive(Default)]
struct Counters {
    wakeups: AtomicU64,
    accepted: AtomicU64,
    empty: AtomicU64,
    stop: AtomicBool,
}

// ANCHOR: herd
/// `threads` threads wait, each in its own epoll instance, for one
/// listener (edge-triggered, `EPOLLEXCLUSIVE` if `exclusive`). Then
/// `connections` clients connect, one at a time, each only once every
/// thread is asleep in `epoll_wait` again.
pub fn herd(
    threads: usize,
    connections: usize,
    exclusive: bool,
) -> io::Result<Herd> {
    // One CPU for every thread of the experiment, so the woken threads run
    // one after the other and the counts do not depend on timing.
    let _pinned = PinnedToOneCpu::new()?;
    let listener = Arc::new(TcpListener::bind("127.0.0.1:0")?);
    listener.set_nonblocking(true)?;
    let counters = Arc::new(Counters::default());
    let (tid_tx, tid_rx) = mpsc::channel();
    let mut pollers = Vec::new();
    let mut waiters = Vec::new();
    for _ in 0..threads {
        let poller = Arc::new(Poller::new()?);
        let fd = listener.as_fd();
        if exclusive {
            poller.add_exclusive(
                fd,
                Token(0),
                Interest::READABLE,
                Mode::Edge,
            )?;
        } else {
            poller.add(fd, Token(0), Interest::READABLE, Mode::Edge)?;
        }
        pollers.push(Arc::clone(&poller));
        let (listener, counters) =
            (Arc::clone(&listener), Arc::clone(&counters));
        let tid_tx = tid_tx.clone();
        waiters.push(thread::spawn(move || {
            // SAFETY: gettid has no preconditions.
            let _ = tid_tx.send(unsafe { libc::gettid() });
            wait_and_accept(&poller, &listener, &counters)
        }));
    }
    let tids: Vec<libc::pid_t> = tid_rx.iter().take(threads).collect();

    let mut clients = Vec::new();
    procfs::wait_until_asleep(&tids, Duration::from_secs(5))?;
    let sleeps_before = sleeps(&tids)?;
    for connection in 1..=connections as u64 {
        procfs::wait_until_asleep(&tids, Duration::from_secs(5))?;
        clients.push(TcpStream::connect(listener.local_addr()?)?);
        // Accepted means every thread it woke is awake (or done) already.
        let deadline = Instant::now() + Duration::from_secs(5);
        while counters.accepted.load(Ordering::SeqCst) < connection {
            if Instant::now() > deadline {
                return Err(io::Error::other("a connection was not accepted"));
            }
            thread::sleep(Duration::from_millis(1));
        }
    }
    procfs::wait_until_asleep(&tids, Duration::from_secs(5))?;
    let woken = sleeps(&tids)? - sleeps_before;

    counters.stop.store(true, Ordering::SeqCst);
    for poller in &pollers {
        poller.notify()?;
    }
    for waiter in waiters {
        waiter
            .join()
            .map_err(|_| io::Error::other("a waiter panicked"))??;
    }
    Ok(Herd {
        woken,
        wakeups: counters.wakeups.load(Ordering::SeqCst),
        accepted: counters.accepted.load(Ordering::SeqCst),
        empty: counters.empty.load(Ordering::SeqCst),
    })
}
// ANCHOR_END: herd

// ANCHOR: wait_and_accept
fn wait_and_accept(
    poller: &Poller,
    listener: &TcpListener,
    counters: &Counters,
) -> io::Result<()> {
    let mut events = Events::with_capacity(4);
    while !counters.stop.load(Ordering::SeqCst) {
        if poller.wait(&mut events, None)? == 0 {
            continue; // the notification that ends the experiment
        }
        counters.wakeups.fetch_add(1, Ordering::SeqCst);
        // Edge-triggered: accept until EAGAIN.
        let mut first = true;
        loop {
            match listener.accept() {
                Ok(_connection) => {
                    counters.accepted.fetch_add(1, Ordering::SeqCst);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if first {
                        counters.empty.fetch_add(1, Ordering::SeqCst);
                    }
                    break;
                }
                Err(e) => return Err(e),
            }
            first = false;
        }
    }
    Ok(())
}
// ANCHOR_END: wait_and_accept

/// How often these threads have gone to sleep, summed.
fn sleeps(tids: &[libc::pid_t]) -> io::Result<u64> {
    let mut total = 0;
    for tid in tids {
        let path = format!("/proc/self/task/{tid}/status");
        let status = std::fs::read_to_string(path)?;
        total += procfs::field(&status, "voluntary_ctxt_switches")?;
    }
    Ok(total)
}

/// Restricts the calling thread (and the threads it spawns from now on) to
/// the first CPU it may use; restores its old set when dropped.
struct PinnedToOneCpu {
    old: libc::cpu_set_t,
}

impl PinnedToOneCpu {
    fn new() -> io::Result<PinnedToOneCpu> {
        let size = std::mem::size_of::<libc::cpu_set_t>();
        // SAFETY: an all-zero cpu_set_t is the empty set, a valid value.
        let mut old: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        // SAFETY: `old` is a writable cpu_set_t of `size` bytes; pid 0
        // names the calling thread.
        cvt(unsafe { libc::sched_getaffinity(0, size, &mut old) })?;
        // SAFETY: CPU_ISSET only reads the set, within its bounds.
        let first = (0..libc::CPU_SETSIZE as usize)
            .find(|&cpu| unsafe { libc::CPU_ISSET(cpu, &old) })
            .ok_or_else(|| io::Error::other("no CPU to run on"))?;
        // SAFETY: an all-zero cpu_set_t is the empty set, a valid value.
        let mut one: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        // SAFETY: `first` < CPU_SETSIZE, so CPU_SET writes inside the set.
        unsafe { libc::CPU_SET(first, &mut one) };
        // SAFETY: `one` is a valid cpu_set_t of `size` bytes.
        cvt(unsafe { libc::sched_setaffinity(0, size, &one) })?;
        Ok(PinnedToOneCpu { old })
    }
}

impl Drop for PinnedToOneCpu {
    fn drop(&mut self) {
        let size = std::mem::size_of::<libc::cpu_set_t>();
        // SAFETY: `old` is the valid set read in `new`.
        unsafe { libc::sched_setaffinity(0, size, &self.old) };
    }
}
