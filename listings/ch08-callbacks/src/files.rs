//! The chapter's program: the file server of [`crate::protocol`], written
//! in callback style on the event loop. Each connection's plan is
//!
//! 1. wait for a request line, or give up after `idle`;
//! 2. read the file it names (on the pool: files cannot be polled);
//! 3. write the answer (when the socket takes it);
//! 4. go back to 1.
//!
//! and every step that waits ends a callback: the next step is another
//! callback, and what the steps share lives in one `Rc<RefCell<Conn>>` that
//! each of them holds. The `trace::record` calls feed the `trace` binary's
//! sequence diagram.

use std::cell::RefCell;
use std::io;
use std::net::{TcpListener, TcpStream};
use std::rc::Rc;

use crate::event_loop::{EventLoop, SourceId};
use crate::listen::{self, listen};
use crate::nbio;
use crate::protocol::{self, Config, MAX_REQUEST};
use crate::timers::TimerId;
use crate::trace;

// ANCHOR: conn
/// One connection's state: everything one step leaves for the next.
struct Conn {
    stream: Rc<TcpStream>,
    id: SourceId,
    /// Bytes received that are not yet a whole request.
    input: Vec<u8>,
    /// The answer being written, and how much of it is out.
    output: Vec<u8>,
    sent: usize,
    /// The idle timer, while waiting for a request (step 1).
    idle: Option<TimerId>,
    /// Set by `close`, for callbacks still on their way.
    closed: bool,
}

/// What every callback of one connection holds.
type Shared = Rc<RefCell<Conn>>;
// ANCHOR_END: conn

// ANCHOR: serve
/// Serves files on `listener` from `lp`'s callbacks. Returns the listener's
/// source; the loop runs the server when it runs.
pub fn serve(
    lp: &mut EventLoop,
    listener: TcpListener,
    config: Config,
) -> io::Result<SourceId> {
    let config = Rc::new(config);
    listen(lp, listener, move |lp, stream| open(lp, stream, &config))
}

/// A new connection: its state, then step 1.
fn open(lp: &mut EventLoop, stream: TcpStream, config: &Rc<Config>) {
    let Some(stream) = listen::prepare(stream) else {
        return;
    };
    let id = lp.add(Rc::clone(&stream));
    let conn = Rc::new(RefCell::new(Conn {
        stream,
        id,
        input: Vec::new(),
        output: Vec::new(),
        sent: 0,
        idle: None,
        closed: false,
    }));
    trace::record(|| {
        "Note over A: accepted, read callback and idle timer set".into()
    });
    wait_for_request(lp, &conn, config);
}
// ANCHOR_END: serve

// ANCHOR: wait_for_request
/// Step 1: a request may already be here (the client sent several at
/// once); if not, read when readable, and give up when idle.
fn wait_for_request(lp: &mut EventLoop, conn: &Shared, config: &Rc<Config>) {
    let line = protocol::take_line(&mut conn.borrow_mut().input);
    if let Some(line) = line {
        return start_request(lp, conn, config, line);
    }
    let id = conn.borrow().id;
    let (c, cfg) = (Rc::clone(conn), Rc::clone(config));
    lp.on_readable(id, move |lp| on_readable(lp, &c, &cfg));
    let c = Rc::clone(conn);
    let timer = lp.set_timeout(config.idle, move |lp| on_idle(lp, &c));
    conn.borrow_mut().idle = Some(timer);
}

/// Step 1, the timer's half: no request came in time.
fn on_idle(lp: &mut EventLoop, conn: &Shared) {
    trace::record(|| "L->>T: idle timer".into());
    conn.borrow_mut().idle = None; // it has fired: its id is stale
    close(lp, conn);
    trace::record(|| "Note over T: connection closed".into());
}
// ANCHOR_END: wait_for_request

// ANCHOR: on_readable
/// Step 1, the socket's half: some bytes of a request have come.
fn on_readable(lp: &mut EventLoop, conn: &Shared, config: &Rc<Config>) {
    trace::record(|| "L->>R: read callback".into());
    let mut buf = [0; MAX_REQUEST];
    let read = nbio::read(&conn.borrow().stream, &mut buf);
    match read {
        Ok(None) => return,                    // nothing after all
        Ok(Some(0)) => return close(lp, conn), // the client has left
        Ok(Some(n)) => conn.borrow_mut().input.extend_from_slice(&buf[..n]),
        Err(e) => return fail(lp, conn, &e),
    }
    let line = protocol::take_line(&mut conn.borrow_mut().input);
    match line {
        Some(line) => start_request(lp, conn, config, line),
        // No line within the limit: a client we do not serve.
        None if conn.borrow().input.len() >= MAX_REQUEST => close(lp, conn),
        None => {} // the rest of the line comes with a later event
    }
}
// ANCHOR_END: on_readable

// ANCHOR: start_request
/// Step 2: a whole request. It is the server's turn now: no idle timeout,
/// no reading; the file is read on the pool, and `on_answer` goes on.
fn start_request(
    lp: &mut EventLoop,
    conn: &Shared,
    config: &Rc<Config>,
    line: Vec<u8>,
) {
    let mut c = conn.borrow_mut();
    if let Some(timer) = c.idle.take() {
        lp.clear_timeout(timer);
    }
    lp.stop_readable(c.id);
    drop(c);
    trace::record(|| {
        "Note over R: a whole request, so no idle timer, no reading".into()
    });
    trace::record(|| {
        let name = String::from_utf8_lossy(&line);
        format!("R->>P: spawn_blocking(read {name})")
    });
    let dir = config.dir.clone();
    let (c, cfg) = (Rc::clone(conn), Rc::clone(config));
    lp.spawn_blocking(
        move || Ok(protocol::answer(&dir, &line)),
        move |lp, answer| on_answer(lp, &c, &cfg, answer),
    );
}
// ANCHOR_END: start_request

// ANCHOR: on_answer
/// Step 3: the pool has the answer; write what the socket takes now, and
/// the rest when it is writable.
fn on_answer(
    lp: &mut EventLoop,
    conn: &Shared,
    config: &Rc<Config>,
    answer: io::Result<Vec<u8>>,
) {
    trace::record(|| "L->>D: done callback".into());
    if conn.borrow().closed {
        return; // closed while the pool worked
    }
    let answer = match answer {
        Ok(answer) => answer,
        Err(e) => return fail(lp, conn, &e), // the job panicked
    };
    {
        let mut c = conn.borrow_mut();
        c.output = answer;
        c.sent = 0;
    }
    match flush(conn) {
        Ok(true) => {
            trace::record(|| {
                "Note over D: answer written at once, wait for the next".into()
            });
            wait_for_request(lp, conn, config);
        }
        Ok(false) => {
            let id = conn.borrow().id;
            let (c, cfg) = (Rc::clone(conn), Rc::clone(config));
            lp.on_writable(id, move |lp| on_writable(lp, &c, &cfg));
        }
        Err(e) => fail(lp, conn, &e),
    }
}

/// Step 3, continued: the socket has room again.
fn on_writable(lp: &mut EventLoop, conn: &Shared, config: &Rc<Config>) {
    trace::record(|| "L->>W: write callback".into());
    match flush(conn) {
        Ok(true) => {
            let id = conn.borrow().id;
            lp.stop_writable(id);
            wait_for_request(lp, conn, config); // step 4: back to step 1
        }
        Ok(false) => {} // still more: wait for the next writable event
        Err(e) => fail(lp, conn, &e),
    }
}

/// Writes what the socket takes; true once the whole answer is out.
fn flush(conn: &Shared) -> io::Result<bool> {
    let mut c = conn.borrow_mut();
    let c = &mut *c;
    c.sent += nbio::write(&c.stream, &c.output[c.sent..])?;
    let done = c.sent == c.output.len();
    if done {
        c.output = Vec::new();
    }
    Ok(done)
}
// ANCHOR_END: on_answer

// ANCHOR: close
/// The end, from whichever callback gets there: no timer, no callbacks,
/// and the socket closes when the last `Rc` of the connection goes.
fn close(lp: &mut EventLoop, conn: &Shared) {
    let mut c = conn.borrow_mut();
    if c.closed {
        return;
    }
    c.closed = true;
    if let Some(timer) = c.idle.take() {
        lp.clear_timeout(timer);
    }
    lp.remove(c.id);
}

fn fail(lp: &mut EventLoop, conn: &Shared, e: &io::Error) {
    if !nbio::peer_went_away(e) {
        eprintln!("connection failed: {e}");
    }
    close(lp, conn);
}
// ANCHOR_END: close
