//! A hello-world HTTP/1.1 server in callback style, for the book's
//! benchmark: `GET` answers `Hello, world!`, connections are kept alive,
//! pipelined requests are answered in order. Each connection reads into a
//! 4 KiB buffer; a request whose head (and body) does not fit is refused.

use std::cell::RefCell;
use std::io;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::rc::Rc;
use std::time::Duration;

use crate::event_loop::{EventLoop, SourceId};
use crate::listen::{self, listen};
use crate::nbio;

/// Bytes of requests a connection holds: a request's head and body must
/// fit.
pub const BUF_SIZE: usize = 4096;
/// Answers a connection holds for a peer that does not read them; at this
/// limit it stops reading.
const MAX_OUTPUT: usize = 64 * 1024;

/// How long a closing connection waits for its peer to close too.
const LINGER: Duration = Duration::from_secs(1);

/// The answer to `GET`, on a kept-alive connection.
pub const HELLO: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\
Content-Type: text/plain\r\n\r\nHello, world!";

struct Conn {
    stream: Rc<TcpStream>,
    id: SourceId,
    /// Received bytes not yet part of an answered request.
    input: Vec<u8>,
    /// Answers not yet written: `output[sent..]`.
    output: Vec<u8>,
    sent: usize,
    reading: bool,
    writing: bool,
    /// Close once `output` is written (HTTP/1.0, `Connection: close`, a bad
    /// request, or the peer has finished sending).
    closing: bool,
}

type Shared = Rc<RefCell<Conn>>;

/// Serves hello-world HTTP on `listener` from `lp`'s callbacks.
pub fn serve(
    lp: &mut EventLoop,
    listener: TcpListener,
) -> io::Result<SourceId> {
    listen(lp, listener, open)
}

fn open(lp: &mut EventLoop, stream: TcpStream) {
    let Some(stream) = listen::prepare(stream) else {
        return;
    };
    let id = lp.add(Rc::clone(&stream));
    let conn = Rc::new(RefCell::new(Conn {
        stream,
        id,
        input: Vec::with_capacity(BUF_SIZE),
        output: Vec::new(),
        sent: 0,
        reading: false,
        writing: false,
        closing: false,
    }));
    set_callbacks(lp, &conn);
}

fn on_readable(lp: &mut EventLoop, conn: &Shared) {
    let mut buf = [0; BUF_SIZE];
    let room = BUF_SIZE - conn.borrow().input.len();
    let read = nbio::read(&conn.borrow().stream, &mut buf[..room]);
    match read {
        Ok(None) => return,
        Ok(Some(0)) => conn.borrow_mut().closing = true,
        Ok(Some(n)) => {
            let c = &mut *conn.borrow_mut();
            c.input.extend_from_slice(&buf[..n]);
            answer_requests(c);
        }
        Err(e) => return fail(lp, conn, &e),
    }
    flush(lp, conn);
}

/// Answers every complete request in `input`, in order.
fn answer_requests(c: &mut Conn) {
    while !c.closing {
        match parse(&c.input) {
            Parsed::Incomplete if c.input.len() == BUF_SIZE => {
                respond(c, 431, "Request Header Fields Too Large", true);
            }
            Parsed::Incomplete => return,
            Parsed::Request {
                len,
                get,
                keep_alive,
            } => {
                c.input.drain(..len);
                match (get, keep_alive) {
                    (true, true) => c.output.extend_from_slice(HELLO),
                    (true, false) => c.output.extend_from_slice(HELLO_CLOSE),
                    (false, _) => {
                        respond(c, 405, "Method Not Allowed", !keep_alive)
                    }
                }
                c.closing = !keep_alive;
            }
            Parsed::Bad(status, reason) => respond(c, status, reason, true),
        }
    }
}

/// The answer to `GET` on a connection about to close.
const HELLO_CLOSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\
Content-Type: text/plain\r\nConnection: close\r\n\r\nHello, world!";

fn respond(c: &mut Conn, status: u16, reason: &str, close: bool) {
    let connection = if close { "Connection: close\r\n" } else { "" };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\n{connection}Content-Length: 0\r\n\r\n"
    );
    c.output.extend_from_slice(head.as_bytes());
    c.closing |= close;
}

/// Writes what is pending, then sets the callbacks the connection needs.
fn flush(lp: &mut EventLoop, conn: &Shared) {
    let written = {
        let c = &mut *conn.borrow_mut();
        nbio::write(&c.stream, &c.output[c.sent..]).map(|n| {
            c.sent += n;
            if c.sent == c.output.len() {
                c.output.clear();
                c.sent = 0;
            }
        })
    };
    match written {
        Ok(()) => set_callbacks(lp, conn),
        Err(e) => fail(lp, conn, &e),
    }
}

/// Readable while requests may come and answers fit; writable while
/// answers wait; closed once closing and everything is written.
fn set_callbacks(lp: &mut EventLoop, conn: &Shared) {
    let mut c = conn.borrow_mut();
    let left = c.output.len() - c.sent;
    if c.closing && left == 0 {
        drop(c);
        return linger(lp, conn);
    }
    let read = !c.closing && left < MAX_OUTPUT;
    if read != c.reading {
        c.reading = read;
        if read {
            let conn = Rc::clone(conn);
            lp.on_readable(c.id, move |lp| on_readable(lp, &conn));
        } else {
            lp.stop_readable(c.id);
        }
    }
    let write = left > 0;
    if write != c.writing {
        c.writing = write;
        if write {
            let conn = Rc::clone(conn);
            lp.on_writable(c.id, move |lp| flush(lp, &conn));
        } else {
            lp.stop_writable(c.id);
        }
    }
}

/// Closes without destroying the last answer. Closing a socket with unread
/// bytes makes the kernel send a reset, and a reset can discard an answer
/// the client has not read yet. So: end our side (FIN after the answer),
/// read and drop what the client still sends until it closes too, and give
/// up after [`LINGER`]. The timer needs no cancelling: by the time it
/// fires, the source's id may be stale, and then `remove` does nothing.
fn linger(lp: &mut EventLoop, conn: &Shared) {
    let c = conn.borrow();
    let _ = c.stream.shutdown(Shutdown::Write);
    let (id, stream) = (c.id, Rc::clone(&c.stream));
    lp.stop_writable(id);
    lp.on_readable(id, move |lp| {
        if let Ok(Some(0)) | Err(_) = nbio::read(&stream, &mut [0; BUF_SIZE]) {
            lp.remove(id);
        }
    });
    lp.set_timeout(LINGER, move |lp| {
        lp.remove(id);
    });
}

fn fail(lp: &mut EventLoop, conn: &Shared, e: &io::Error) {
    if !nbio::peer_went_away(e) {
        eprintln!("connection failed: {e}");
    }
    let id = conn.borrow().id;
    lp.remove(id);
}

/// What the start of the buffer holds.
#[derive(Debug, PartialEq, Eq)]
enum Parsed {
    /// Not a whole request yet.
    Incomplete,
    /// A whole request of `len` bytes, head and body.
    Request {
        len: usize,
        get: bool,
        keep_alive: bool,
    },
    /// Not HTTP/1.x as this server speaks it: answer `status` and close.
    Bad(u16, &'static str),
}

fn parse(input: &[u8]) -> Parsed {
    let Some(head_len) = input.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Parsed::Incomplete;
    };
    let Ok(head) = std::str::from_utf8(&input[..head_len]) else {
        return Parsed::Bad(400, "Bad Request");
    };
    let mut lines = head.split("\r\n");
    let mut parts = lines.next().unwrap_or("").split(' ');
    let (Some(method), Some(_target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Parsed::Bad(400, "Bad Request");
    };
    let mut keep_alive = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => return Parsed::Bad(505, "HTTP Version Not Supported"),
    };
    let mut body = 0;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Parsed::Bad(400, "Bad Request");
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            match value.parse::<usize>() {
                Ok(n) => body = n,
                Err(_) => return Parsed::Bad(400, "Bad Request"),
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Parsed::Bad(501, "Not Implemented");
        } else if name.eq_ignore_ascii_case("connection") {
            for token in value.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    keep_alive = false;
                } else if token.eq_ignore_ascii_case("keep-alive") {
                    keep_alive = true;
                }
            }
        }
    }
    let len = head_len + 4 + body;
    if len > BUF_SIZE {
        return Parsed::Bad(413, "Content Too Large");
    }
    if input.len() < len {
        return Parsed::Incomplete;
    }
    Parsed::Request {
        len,
        get: method == "GET",
        keep_alive,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_parsed_or_refused() {
        let get = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(
            parse(get),
            Parsed::Request {
                len: get.len(),
                get: true,
                keep_alive: true
            }
        );
        assert_eq!(parse(&get[..10]), Parsed::Incomplete);
        let old = b"GET / HTTP/1.0\r\n\r\n";
        assert!(matches!(
            parse(old),
            Parsed::Request {
                keep_alive: false,
                ..
            }
        ));
        let post = b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nab";
        assert_eq!(parse(post), Parsed::Incomplete, "the body is not all here");
        assert!(matches!(parse(b"GARBAGE\r\n\r\n"), Parsed::Bad(400, _)));
        assert!(matches!(
            parse(b"GET / HTTP/2\r\n\r\n"),
            Parsed::Bad(505, _)
        ));
    }
}
