//! Level- and edge-triggered side by side: what each costs a reader that
//! stops early, and a loop that keeps an interest it does not need.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::thread;
use std::time::{Duration, Instant};

use crate::poll::{Events, Interest, Mode, Poller, Token};

/// A connected pair of non-blocking TCP sockets on the loopback interface.
pub fn tcp_pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let client = TcpStream::connect(listener.local_addr()?)?;
    let (server, _) = listener.accept()?;
    for socket in [&client, &server] {
        socket.set_nonblocking(true)?;
        socket.set_nodelay(true)?;
    }
    Ok((client, server))
}

/// How a reader fared.
#[derive(Debug, PartialEq, Eq)]
pub struct Reading {
    pub wakeups: usize,
    pub read: usize,
    pub unread: usize,
}

/// How the reader reacts to a wake-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    /// One read of at most [`CHUNK`] bytes, then back to `wait`.
    OneReadPerWakeup,
    /// Reads until `EAGAIN`, then back to `wait`.
    UntilEagain,
}

/// What the reader reads at a time.
pub const CHUNK: usize = 64;
/// What the peer sends, in one write.
pub const MESSAGE: usize = 200;

// ANCHOR: read_loop
/// The peer sends [`MESSAGE`] bytes at once; the reader waits for
/// readiness in `mode` and reads as `reader` says, until a `wait` of
/// 100 ms reports nothing.
pub fn read_loop(mode: Mode, reader: Reader) -> io::Result<Reading> {
    let (mut peer, mut socket) = tcp_pair()?;
    let poller = Poller::new()?;
    let mut events = Events::with_capacity(4);
    poller.add(socket.as_fd(), Token(0), Interest::READABLE, mode)?;
    peer.write_all(&[b'x'; MESSAGE])?;

    let (mut wakeups, mut read) = (0, 0);
    let mut buf = [0; CHUNK];
    while poller.wait(&mut events, Some(Duration::from_millis(100)))? > 0 {
        wakeups += 1;
        loop {
            match socket.read(&mut buf) {
                Ok(n) => read += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
            if reader == Reader::OneReadPerWakeup {
                break;
            }
        }
    }
    Ok(Reading {
        wakeups,
        read,
        unread: MESSAGE - read,
    })
}
// ANCHOR_END: read_loop

/// How a loop that waits for one message fared.
#[derive(Debug)]
pub struct Spinning {
    pub wakeups: u64,
    pub elapsed: Duration,
    /// CPU time of the waiting thread.
    pub cpu: Duration,
}

// ANCHOR: spin
/// Waits for a message the peer sends after `delay`, registered for
/// `interest` in `mode`, though there is never anything to write.
pub fn wait_for_message(
    interest: Interest,
    mode: Mode,
    delay: Duration,
) -> io::Result<Spinning> {
    let (mut peer, mut socket) = tcp_pair()?;
    let poller = Poller::new()?;
    let mut events = Events::with_capacity(4);
    poller.add(socket.as_fd(), Token(0), interest, mode)?;
    let sender = thread::spawn(move || {
        thread::sleep(delay);
        peer.write_all(b"hello").map(|()| peer)
    });

    let (started, cpu_before) = (Instant::now(), thread_cpu_time());
    let mut wakeups = 0;
    loop {
        poller.wait(&mut events, None)?;
        wakeups += 1;
        let readable = events.iter().any(|event| event.readable);
        if readable && socket.read(&mut [0; 16])? > 0 {
            break;
        }
    }
    let spinning = Spinning {
        wakeups,
        elapsed: started.elapsed(),
        cpu: thread_cpu_time() - cpu_before,
    };
    let _peer = sender.join().expect("the sender does not panic")?;
    Ok(spinning)
}
// ANCHOR_END: spin

/// CPU time this thread has used so far.
pub fn thread_cpu_time() -> Duration {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid, writable timespec; the clock id exists on
    // every Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time) };
    Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
}
