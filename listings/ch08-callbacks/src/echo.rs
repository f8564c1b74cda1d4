//! An echo server in callback style, the one the book's benchmark runs with
//! 64-byte messages: every byte read is written back. Bytes the socket
//! does not take at once wait in the connection's buffer, and a full buffer
//! stops reading until the peer takes some (back-pressure, as in chapter
//! 6).

use std::cell::RefCell;
use std::io;
use std::net::{TcpListener, TcpStream};
use std::rc::Rc;

use crate::event_loop::{EventLoop, SourceId};
use crate::listen::{self, listen};
use crate::nbio;

/// The most bytes a connection holds for its peer; at this limit it stops
/// reading.
pub const MAX_PENDING: usize = 64 * 1024;
/// Bytes per read.
const READ_SIZE: usize = 4096;

struct Conn {
    stream: Rc<TcpStream>,
    id: SourceId,
    /// Bytes read and not yet written back: `pending[sent..]`.
    pending: Vec<u8>,
    sent: usize,
    /// Which callbacks are set, so they are set and stopped once each.
    reading: bool,
    writing: bool,
    /// The peer has finished sending: close once everything is written.
    finishing: bool,
}

type Shared = Rc<RefCell<Conn>>;

/// Serves echo on `listener` from `lp`'s callbacks.
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
        pending: Vec::new(),
        sent: 0,
        reading: false,
        writing: false,
        finishing: false,
    }));
    set_callbacks(lp, &conn);
}

fn on_readable(lp: &mut EventLoop, conn: &Shared) {
    let mut buf = [0; READ_SIZE];
    let read = nbio::read(&conn.borrow().stream, &mut buf);
    match read {
        Ok(None) => return,
        Ok(Some(0)) => conn.borrow_mut().finishing = true,
        Ok(Some(n)) => conn.borrow_mut().pending.extend_from_slice(&buf[..n]),
        Err(e) => return fail(lp, conn, &e),
    }
    flush(lp, conn);
}

/// Writes what is pending, then sets the callbacks the connection needs.
fn flush(lp: &mut EventLoop, conn: &Shared) {
    let written = {
        let c = &mut *conn.borrow_mut();
        nbio::write(&c.stream, &c.pending[c.sent..]).map(|n| {
            c.sent += n;
            if c.sent == c.pending.len() {
                c.pending.clear();
                c.sent = 0;
            }
        })
    };
    match written {
        Ok(()) => set_callbacks(lp, conn),
        Err(e) => fail(lp, conn, &e),
    }
}

/// Readable while there is room and the peer sends; writable while bytes
/// wait; closed once the peer is done and everything is back.
fn set_callbacks(lp: &mut EventLoop, conn: &Shared) {
    let mut c = conn.borrow_mut();
    let left = c.pending.len() - c.sent;
    if c.finishing && left == 0 {
        drop(c);
        return close(lp, conn);
    }
    let read = !c.finishing && left < MAX_PENDING;
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

fn close(lp: &mut EventLoop, conn: &Shared) {
    let id = conn.borrow().id;
    lp.remove(id);
}

fn fail(lp: &mut EventLoop, conn: &Shared, e: &io::Error) {
    if !nbio::peer_went_away(e) {
        eprintln!("connection failed: {e}");
    }
    close(lp, conn);
}
