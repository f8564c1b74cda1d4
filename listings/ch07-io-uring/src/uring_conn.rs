//! One connection of the completion-based echo server: a state machine
//! that the loop drives one step per completion.
//!
//! Compare chapter 6's `conn.rs`. There, a step *did* the I/O (a `read`
//! that might find nothing, a `write` that might take part) and then
//! decided what to watch for. Here the I/O is already done when a step
//! runs: the step reads the result and says which operation to start
//! next, handing over the buffer that came back with the completion.
//! Exactly one operation per connection is in flight at any time, so the
//! connection's buffer is always either in the kernel's hands or in this
//! step's.

use std::io;
use std::net::TcpStream;
use std::ops::Range;

use crate::conn::peer_went_away;
use crate::driver::Kind;

/// Operations that end this way are tried again; after this many in a
/// row the connection is given up.
pub const MAX_RETRIES: u32 = 16;

// ANCHOR: state
/// Which operation of a connection is in flight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// A recv into the connection's buffer.
    Receiving,
    /// A send of `buf[range]`: bytes the peer has not received yet.
    Sending(Range<usize>),
}

/// What the loop must start next for a connection.
#[derive(Debug)]
pub enum Next {
    Recv(Vec<u8>),
    Send(Vec<u8>, Range<usize>),
    /// Nothing: the connection is finished. Its buffer is back and no
    /// operation of it is in flight, so it may close at once.
    Close,
}
// ANCHOR_END: state

/// One accepted connection.
pub struct Connection {
    stream: TcpStream,
    state: State,
    /// Failures in a row that were worth another try.
    retries: u32,
}

impl Connection {
    /// A new connection; the loop starts its first recv.
    pub fn new(stream: TcpStream) -> Connection {
        Connection {
            stream,
            state: State::Receiving,
            retries: 0,
        }
    }

    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    pub fn state(&self) -> &State {
        &self.state
    }
}

// ANCHOR: step
impl Connection {
    /// Takes the completion of this connection's operation, with the
    /// buffer it hands back, and says what to start next.
    pub fn on_completion(
        &mut self,
        kind: Kind,
        result: io::Result<u32>,
        buf: Vec<u8>,
    ) -> Next {
        debug_assert_eq!(
            kind == Kind::Recv,
            self.state == State::Receiving,
            "a completion for an operation this connection did not start"
        );
        let done = match result {
            Ok(n) => n as usize,
            Err(e) => return self.failed(&e, buf),
        };
        self.retries = 0;
        match &self.state {
            // End of stream: the peer is done, and nothing is owed.
            State::Receiving if done == 0 => Next::Close,
            State::Receiving => {
                self.state = State::Sending(0..done);
                Next::Send(buf, 0..done)
            }
            // A send that moved nothing would never finish.
            State::Sending(_) if done == 0 => Next::Close,
            State::Sending(range) => {
                let rest = range.start + done..range.end;
                if rest.is_empty() {
                    self.state = State::Receiving;
                    Next::Recv(buf) // the same buffer, for the next message
                } else {
                    // A short send: the rest goes in another one.
                    self.state = State::Sending(rest.clone());
                    Next::Send(buf, rest)
                }
            }
        }
    }
}
// ANCHOR_END: step

// ANCHOR: failed
impl Connection {
    /// The operation failed. A few errors are worth the same operation
    /// again; the others end this connection, and only this one.
    fn failed(&mut self, e: &io::Error, buf: Vec<u8>) -> Next {
        let again = matches!(
            e.raw_os_error(),
            Some(libc::EINTR | libc::EAGAIN | libc::ENOBUFS | libc::ENOMEM)
        );
        if again && self.retries < MAX_RETRIES {
            self.retries += 1;
            return match &self.state {
                State::Receiving => Next::Recv(buf),
                State::Sending(range) => Next::Send(buf, range.clone()),
            };
        }
        // A reset or a broken pipe is the peer's business; a cancel is
        // ours (the server is stopping).
        if !peer_went_away(e) && e.raw_os_error() != Some(libc::ECANCELED) {
            eprintln!("connection failed: {e}");
        }
        Next::Close
    }
}
// ANCHOR_END: failed
