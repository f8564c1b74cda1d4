//! One connection of the readiness-loop echo server: a state machine that
//! the loop drives one step per readiness event. Nothing here waits: every
//! read and write is non-blocking, and `EAGAIN` ends the step.

use std::io::{self, Read, Write};
use std::mem;
use std::net::TcpStream;

use crate::count::{self, Syscall};
use crate::poll::{Event, Interest};

/// The most bytes a connection holds that its peer has not read back yet.
/// At this limit the connection stops reading (back-pressure).
pub const MAX_PENDING: usize = 64 * 1024;

// ANCHOR: state
/// Where a connection stands, and what the loop must watch it for.
#[derive(Debug)]
pub enum State {
    /// Nothing to send back: waits for the peer's next bytes.
    /// Interest: readable.
    Reading,
    /// Holds bytes the peer has not taken yet (never none, at most
    /// [`MAX_PENDING`]). Interest: writable, and readable while there is
    /// room; a full buffer stops reading until the peer takes some.
    Writing(Pending),
    /// The peer has finished sending (a read returned end of stream):
    /// sends what is left, then closes. Interest: writable.
    Draining(Pending),
    /// Finished or failed: the loop deregisters and drops it.
    Closed,
}

impl State {
    /// What the poller must watch for in this state; `None` once closed.
    pub fn interest(&self) -> Option<Interest> {
        match self {
            State::Reading => Some(Interest::READABLE),
            State::Writing(pending) if pending.is_full() => {
                Some(Interest::WRITABLE)
            }
            State::Writing(_) => Some(Interest::BOTH),
            State::Draining(_) => Some(Interest::WRITABLE),
            State::Closed => None,
        }
    }
}
// ANCHOR_END: state

// ANCHOR: pending
/// Bytes read from the peer and not yet written back: `buf[start..]`.
#[derive(Debug)]
pub struct Pending {
    buf: Vec<u8>,
    start: usize,
}

impl Pending {
    fn new(bytes: &[u8]) -> Pending {
        Pending {
            buf: bytes.to_vec(),
            start: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.buf.len() - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_full(&self) -> bool {
        self.len() >= MAX_PENDING
    }

    /// How many more bytes fit.
    fn room(&self) -> usize {
        MAX_PENDING.saturating_sub(self.len())
    }

    fn append(&mut self, bytes: &[u8]) {
        // Move what is left to the front before the vector grows.
        self.buf.drain(..self.start);
        self.start = 0;
        self.buf.extend_from_slice(bytes);
    }
}
// ANCHOR_END: pending

/// One accepted connection.
pub struct Connection {
    stream: TcpStream,
    state: State,
    /// What the poller watches it for now, so the loop calls `modify` only
    /// when a step changes it.
    registered: Interest,
}

impl Connection {
    /// A new connection, which the loop registers for reading.
    pub fn new(stream: TcpStream) -> Connection {
        Connection {
            stream,
            state: State::Reading,
            registered: Interest::READABLE,
        }
    }

    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// Bytes it holds for its peer.
    pub fn pending(&self) -> usize {
        match &self.state {
            State::Writing(pending) | State::Draining(pending) => pending.len(),
            State::Reading | State::Closed => 0,
        }
    }

    pub fn registered(&self) -> Interest {
        self.registered
    }

    pub fn set_registered(&mut self, interest: Interest) {
        self.registered = interest;
    }
}

// ANCHOR: on_event
impl Connection {
    /// Takes the step `event` allows: first writes what is pending (if
    /// the socket is writable), then reads once (if it is readable). An
    /// error closes this connection, never the server.
    pub fn on_event(&mut self, event: &Event, scratch: &mut [u8]) {
        let state = mem::replace(&mut self.state, State::Closed);
        let stepped = self
            .write_step(state, event.writable)
            .and_then(|state| self.read_step(state, event.readable, scratch));
        self.state = stepped.unwrap_or_else(|e| {
            if !peer_went_away(&e) {
                eprintln!("connection failed: {e}");
            }
            State::Closed
        });
    }
}
// ANCHOR_END: on_event

// ANCHOR: write_step
impl Connection {
    fn write_step(
        &mut self,
        state: State,
        writable: bool,
    ) -> io::Result<State> {
        Ok(match state {
            State::Writing(mut pending) if writable => {
                self.write_pending(&mut pending)?;
                if pending.is_empty() {
                    State::Reading
                } else {
                    State::Writing(pending)
                }
            }
            State::Draining(mut pending) if writable => {
                self.write_pending(&mut pending)?;
                if pending.is_empty() {
                    State::Closed // all echoed: closing sends our FIN
                } else {
                    State::Draining(pending)
                }
            }
            other => other,
        })
    }

    fn write_pending(&mut self, pending: &mut Pending) -> io::Result<()> {
        let written = write(&mut self.stream, &pending.buf[pending.start..])?;
        pending.start += written;
        Ok(())
    }
}
// ANCHOR_END: write_step

// ANCHOR: read_step
impl Connection {
    fn read_step(
        &mut self,
        state: State,
        readable: bool,
        scratch: &mut [u8],
    ) -> io::Result<State> {
        if !readable {
            return Ok(state);
        }
        Ok(match state {
            State::Reading => match read(&mut self.stream, scratch)? {
                None => State::Reading,   // nothing after all
                Some(0) => State::Closed, // end of stream, nothing owed
                Some(n) => {
                    // The common case: the echo fits into the socket's
                    // send buffer at once, and nothing is kept.
                    let written = write(&mut self.stream, &scratch[..n])?;
                    if written == n {
                        State::Reading
                    } else {
                        State::Writing(Pending::new(&scratch[written..n]))
                    }
                }
            },
            State::Writing(mut pending) if !pending.is_full() => {
                let room = pending.room().min(scratch.len());
                match read(&mut self.stream, &mut scratch[..room])? {
                    None => State::Writing(pending),
                    Some(0) => State::Draining(pending),
                    Some(n) => {
                        pending.append(&scratch[..n]);
                        State::Writing(pending)
                    }
                }
            }
            // Full, draining or closed: not reading now.
            other => other,
        })
    }
}
// ANCHOR_END: read_step

// ANCHOR: io

/// One read; `None` if it would block. A signal (`EINTR`) retries.
fn read(stream: &mut TcpStream, buf: &mut [u8]) -> io::Result<Option<usize>> {
    loop {
        count::add(Syscall::Recv);
        match stream.read(buf) {
            Ok(n) => return Ok(Some(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Writes as much of `bytes` as the socket takes now; returns how much.
fn write(stream: &mut TcpStream, bytes: &[u8]) -> io::Result<usize> {
    let mut written = 0;
    while written < bytes.len() {
        count::add(Syscall::Send);
        match stream.write(&bytes[written..]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => written += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(written)
}
// ANCHOR_END: io

/// Resets and broken pipes are the peer's business, not a server error.
pub fn peer_went_away(e: &io::Error) -> bool {
    use io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionReset | BrokenPipe | ConnectionAborted | UnexpectedEof
    )
}
