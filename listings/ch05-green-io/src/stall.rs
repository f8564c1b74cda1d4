//! The experiment that motivates the chapter: one green thread reads a socket
//! while others only want their turn. How long do the others wait?

use std::cell::Cell;
use std::io::{self, Read, Write};
use std::net;
use std::rc::Rc;
use std::thread;
use std::time::{Duration, Instant};

use crate::net::TcpStream;
use crate::park::yield_now;
use crate::scheduler::run;
use crate::spawn::spawn;

/// Which kind of socket the reading green thread uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadWith {
    /// `std::net::TcpStream`: `read` blocks the OS thread.
    Blocking,
    /// Our `net::TcpStream`: `read` parks the green thread.
    Green,
}

pub struct Stall {
    /// How long the reader waited for its data.
    pub read_took: Duration,
    /// The average wait of a ticker between two of its turns.
    pub mean_gap: Duration,
    /// The longest any ticker waited between two of its turns.
    pub longest_gap: Duration,
}

/// What one ticker saw.
#[derive(Default)]
struct Turns {
    count: u32,
    total_wait: Duration,
    longest_wait: Duration,
}

/// Runs `tickers` green threads that yield in a loop next to one that asks a
/// peer (an OS thread: the outside world) for a message, which the peer sends
/// `delay` later.
pub fn measure(
    read_with: ReadWith,
    tickers: usize,
    delay: Duration,
) -> io::Result<Stall> {
    let (socket, peer) = connected_pair(delay)?;
    let stall = run(move || -> io::Result<Stall> {
        let done = Rc::new(Cell::new(false));
        let ticking: Vec<_> = (0..tickers)
            .map(|_| spawn(ticker(Rc::clone(&done))))
            .collect();
        let reader = spawn(move || {
            let took = read_one_message(read_with, socket);
            done.set(true);
            took
        });
        let read_took = reader
            .join()
            .map_err(|_| io::Error::other("reader panicked"))??;
        let mut all = Turns::default();
        for ticker in ticking {
            let turns = ticker
                .join()
                .map_err(|_| io::Error::other("ticker panicked"))?;
            all.count += turns.count;
            all.total_wait += turns.total_wait;
            all.longest_wait = all.longest_wait.max(turns.longest_wait);
        }
        Ok(Stall {
            read_took,
            mean_gap: all.total_wait / all.count.max(1),
            longest_gap: all.longest_wait,
        })
    })?;
    peer.join()
        .map_err(|_| io::Error::other("peer thread panicked"))??;
    Ok(stall)
}

// ANCHOR: ticker
/// Takes turns until `done`, timing the wait between two turns.
fn ticker(done: Rc<Cell<bool>>) -> impl FnOnce() -> Turns {
    move || {
        let mut turns = Turns::default();
        let mut last_turn = Instant::now();
        while !done.get() {
            yield_now();
            let now = Instant::now();
            let waited = now - last_turn;
            turns.count += 1;
            turns.total_wait += waited;
            turns.longest_wait = turns.longest_wait.max(waited);
            last_turn = now;
        }
        turns
    }
}
// ANCHOR_END: ticker

// ANCHOR: reader
/// Asks the peer for its message and waits for the answer.
fn read_one_message(
    read_with: ReadWith,
    socket: net::TcpStream,
) -> io::Result<Duration> {
    let start = Instant::now();
    let mut buf = [0; 64];
    match read_with {
        // The OS thread sleeps in the kernel; no other green thread can run.
        ReadWith::Blocking => {
            (&socket).write_all(b"go")?;
            (&socket).read(&mut buf)?
        }
        // EAGAIN parks this green thread; the scheduler runs the others.
        ReadWith::Green => {
            let mut socket = TcpStream::from_std(socket)?;
            socket.write_all(b"go")?;
            socket.read(&mut buf)?
        }
    };
    Ok(start.elapsed())
}
// ANCHOR_END: reader

/// A connected loopback socket whose peer, an OS thread, answers our `go`
/// after `delay` and then waits for us to close.
fn connected_pair(
    delay: Duration,
) -> io::Result<(net::TcpStream, thread::JoinHandle<io::Result<()>>)> {
    let listener = net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let peer = thread::spawn(move || -> io::Result<()> {
        let mut stream = net::TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        stream.read_exact(&mut [0; 2])?;
        thread::sleep(delay);
        stream.write_all(b"ready")?;
        // Wait for our side to close, so the read never sees an early EOF.
        let _ = stream.read(&mut [0; 1]);
        Ok(())
    });
    let (socket, _) = listener.accept()?;
    Ok((socket, peer))
}
