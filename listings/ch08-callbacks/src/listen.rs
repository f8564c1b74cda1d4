//! Accepting connections with callbacks, for every server of the chapter:
//! a readable callback on the listener accepts what waits and hands each
//! connection on. Chapter 3's policy ([`crate::accept`], copied as it is)
//! says what an `accept` error means.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::rc::Rc;

use crate::accept::{self, AcceptFailure};
use crate::event_loop::{EventLoop, SourceId};
use crate::trace;

/// Connections accepted per readiness event of the listener; the rest wait
/// for the next round, so a burst of connects cannot starve the others.
const ACCEPT_BATCH: usize = 64;

/// What a server does with each connection it accepts.
pub type OnConnection = Rc<dyn Fn(&mut EventLoop, TcpStream)>;

// ANCHOR: listen
/// Accepts connections on `listener` from `lp`'s callbacks and hands each
/// to `on_connection`. Returns the listener's source.
pub fn listen(
    lp: &mut EventLoop,
    listener: TcpListener,
    on_connection: impl Fn(&mut EventLoop, TcpStream) + 'static,
) -> io::Result<SourceId> {
    listener.set_nonblocking(true)?;
    let listener = Rc::new(listener);
    let id = lp.add(Rc::clone(&listener));
    watch(lp, id, listener, Rc::new(on_connection));
    Ok(id)
}

fn watch(
    lp: &mut EventLoop,
    id: SourceId,
    listener: Rc<TcpListener>,
    on_connection: OnConnection,
) {
    lp.on_readable(id, move |lp| {
        accept_ready(lp, id, &listener, &on_connection);
    });
}
// ANCHOR_END: listen

// ANCHOR: accept_ready
fn accept_ready(
    lp: &mut EventLoop,
    id: SourceId,
    listener: &Rc<TcpListener>,
    on_connection: &OnConnection,
) {
    trace::record(|| "L->>A: accept callback".into());
    for _ in 0..ACCEPT_BATCH {
        match listener.accept() {
            Ok((stream, _peer)) => on_connection(lp, stream),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) => match accept::classify(&e) {
                AcceptFailure::ThisConnection => continue,
                AcceptFailure::OutOfResources => {
                    // Out of descriptors: the listener stays readable, so
                    // stop watching it, and watch it again after a pause.
                    eprintln!("accept: {e}; pausing accept");
                    lp.stop_readable(id);
                    let listener = Rc::clone(listener);
                    let on_connection = Rc::clone(on_connection);
                    lp.set_timeout(accept::BACKOFF, move |lp| {
                        watch(lp, id, listener, on_connection);
                    });
                    return;
                }
                AcceptFailure::Listener => {
                    eprintln!("accept: {e}; no longer accepting");
                    lp.remove(id);
                    return;
                }
            },
        }
    }
}
// ANCHOR_END: accept_ready

/// Readies an accepted connection for a loop: non-blocking, and no delay
/// for small writes (every server here answers at once). `None` if that
/// fails; the connection is then closed.
pub fn prepare(stream: TcpStream) -> Option<Rc<TcpStream>> {
    if let Err(e) = stream.set_nonblocking(true) {
        eprintln!("cannot make a connection non-blocking: {e}");
        return None;
    }
    let _ = stream.set_nodelay(true);
    Some(Rc::new(stream))
}
