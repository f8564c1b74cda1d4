//! Chapter 8's callback loop serving the bench's hello world and echo.
//!
//! The loop, its accept callback and its non-blocking reads and writes are
//! chapter 8's ([`EventLoop`], [`listen`], [`nbio`]); what runs in the
//! callbacks is the async handlers (`handlers/async_*.rs`) turned inside
//! out: the same [`Requests`] parser and replies, the same 4 KiB buffer per
//! connection, the same order of reads and writes. Where a handler
//! `.await`s a read or a write, the connection here sets a readable or
//! writable callback and returns to the loop.
//!
//! Chapter 8 has hello-world and echo servers of its own
//! (`ch08_callbacks::http` and `echo`), but they parse with their own
//! parser and buffer differently (its echo holds no buffer while a
//! connection is idle), so measuring them would compare handlers as well
//! as ways of running them. The bench writes the callbacks here instead.

use std::cell::RefCell;
use std::io;
use std::net::{SocketAddr, TcpStream};
use std::rc::Rc;

use ch08_callbacks::event_loop::{EventLoop, SourceId};
use ch08_callbacks::{launch, listen, nbio};

use crate::child::announce;
use crate::http::{BUF_SIZE, Next, Requests};
use crate::servers::{Service, log_failure};

/// Serves `service` on `addr` from chapter 8's event loop on this thread,
/// until the loop fails.
pub fn serve(service: Service, addr: SocketAddr) -> io::Result<()> {
    let listener = launch::bind(addr)?;
    announce(listener.local_addr()?)?;
    let mut lp = EventLoop::new()?;
    listen::listen(&mut lp, listener, move |lp, stream| {
        open(lp, stream, service)
    })?;
    lp.run()
}

/// What a connection's handler holds between two callbacks: what the async
/// handler's future holds between two `.await`s.
struct Conn {
    stream: Rc<TcpStream>,
    id: SourceId,
    work: Work,
    /// A write the socket has not taken whole yet, and how much it took.
    pending: Option<(Output, usize)>,
    /// Which callbacks are set, so each is set or stopped once per change.
    reading: bool,
    writing: bool,
}

/// The handler's own state, with its 4 KiB buffer.
enum Work {
    Http(Requests),
    Echo([u8; BUF_SIZE]),
}

/// What is being written.
#[derive(Clone, Copy)]
enum Output {
    /// A reply, and whether the connection ends after it.
    Reply { bytes: &'static [u8], close: bool },
    /// The first `len` bytes of the echo buffer.
    Echo { len: usize },
}

/// What the connection waits for next.
enum Then {
    Readable,
    Writable,
    Close,
    Fail(io::Error),
}

type Shared = Rc<RefCell<Conn>>;

fn open(lp: &mut EventLoop, stream: TcpStream, service: Service) {
    // Non-blocking, no delay (as every server's connections), or closed.
    let Some(stream) = listen::prepare(stream) else {
        return;
    };
    let id = lp.add(Rc::clone(&stream));
    let work = match service {
        Service::Http => Work::Http(Requests::new()),
        Service::Echo => Work::Echo([0; BUF_SIZE]),
    };
    let conn = Rc::new(RefCell::new(Conn {
        stream,
        id,
        work,
        pending: None,
        reading: false,
        writing: false,
    }));
    // Both handlers start by reading.
    wait_for(lp, &conn, Then::Readable);
}

impl Conn {
    /// One read (the socket is readable), then as much as follows from it.
    fn on_readable(&mut self) -> Then {
        let Conn {
            stream,
            work,
            pending,
            ..
        } = self;
        let buf = match work {
            Work::Http(requests) => requests.unfilled(),
            Work::Echo(buf) => &mut buf[..],
        };
        match nbio::read(stream, buf) {
            Ok(None) => Then::Readable, // a spurious wake-up
            Ok(Some(0)) => Then::Close, // the client closed its side
            Ok(Some(n)) => {
                match work {
                    Work::Http(requests) => requests.filled(n),
                    Work::Echo(_) => {
                        *pending = Some((Output::Echo { len: n }, 0))
                    }
                }
                self.run()
            }
            Err(e) => Then::Fail(e),
        }
    }

    /// Writes what is pending, then works out the next replies, until the
    /// connection has to wait for the socket or ends.
    fn run(&mut self) -> Then {
        loop {
            if let Some((output, sent)) = &mut self.pending {
                let bytes = match (*output, &self.work) {
                    (Output::Reply { bytes, .. }, _) => bytes,
                    (Output::Echo { len }, Work::Echo(buf)) => &buf[..len],
                    (Output::Echo { .. }, Work::Http(_)) => {
                        unreachable!("an HTTP connection echoes nothing")
                    }
                };
                match nbio::write(&self.stream, &bytes[*sent..]) {
                    Ok(n) => *sent += n,
                    Err(e) => return Then::Fail(e),
                }
                if *sent < bytes.len() {
                    return Then::Writable;
                }
                let close = matches!(output, Output::Reply { close: true, .. });
                self.pending = None;
                if close {
                    return Then::Close;
                }
            }
            match &mut self.work {
                Work::Http(requests) => match requests.next_step() {
                    Next::Reply(reply) => {
                        let output = Output::Reply {
                            bytes: reply.bytes,
                            close: reply.close,
                        };
                        self.pending = Some((output, 0));
                    }
                    Next::Read => return Then::Readable,
                },
                Work::Echo(_) => return Then::Readable,
            }
        }
    }
}

/// Sets the one callback the connection waits for, or ends it.
fn wait_for(lp: &mut EventLoop, conn: &Shared, next: Then) {
    let (read, write) = match next {
        Then::Readable => (true, false),
        Then::Writable => (false, true),
        Then::Close => return close(lp, conn),
        Then::Fail(e) => {
            log_failure(Err(e));
            return close(lp, conn);
        }
    };
    let mut c = conn.borrow_mut();
    if read != c.reading {
        c.reading = read;
        if read {
            let conn = Rc::clone(conn);
            lp.on_readable(c.id, move |lp| {
                let next = conn.borrow_mut().on_readable();
                wait_for(lp, &conn, next);
            });
        } else {
            lp.stop_readable(c.id);
        }
    }
    if write != c.writing {
        c.writing = write;
        if write {
            let conn = Rc::clone(conn);
            lp.on_writable(c.id, move |lp| {
                let next = conn.borrow_mut().run();
                wait_for(lp, &conn, next);
            });
        } else {
            lp.stop_writable(c.id);
        }
    }
}

/// Removes the connection from the loop, which drops its callbacks, and
/// with them the connection and its socket (closed, as the async handler's
/// is when it returns).
fn close(lp: &mut EventLoop, conn: &Shared) {
    let id = conn.borrow().id;
    lp.remove(id);
}
