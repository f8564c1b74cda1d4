//! The classic blocking server: one OS thread per accepted connection.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;

use crate::accept::{ServerHandle, accept_loop};
use crate::echo::serve_connection;
use crate::harness::procfs;

/// Stack size of a connection thread: std's default (2 MiB), made explicit so
/// the limits demo can count how many stacks fit in a given address space.
pub const STACK_SIZE: usize = 2 << 20;

/// Memory maps a connection thread adds: its stack and the stack's guard
/// page, and the signal stack std gives every thread, with its guard page.
pub const MAPS_PER_THREAD: u64 = 4;

/// Maps kept free for everything else the process maps (heap, libraries).
pub const OTHER_MAPS: u64 = 1000;

// ANCHOR: thread_cap
/// How many connection threads fit under `vm.max_map_count`, rounded down to
/// a thousand. Past the limit, a new thread gets its stack but std cannot map
/// its signal stack, and aborts the whole process: a limit the server must
/// stay below, not run into.
pub fn thread_cap() -> io::Result<u64> {
    let max_maps = procfs::sysctl("vm/max_map_count")?;
    let in_use = procfs::map_count("self")?;
    let fit = max_maps.saturating_sub(in_use + OTHER_MAPS) / MAPS_PER_THREAD;
    Ok(fit / 1000 * 1000)
}
// ANCHOR_END: thread_cap

// ANCHOR: spawn_connection
/// Starts a thread that serves `stream` until the client hangs up, counted in
/// `open`. If the thread cannot be created, the connection is dropped (closed)
/// and the server carries on with the ones it has.
pub fn spawn_connection(
    stream: TcpStream,
    peer: SocketAddr,
    open: &Arc<AtomicU64>,
) {
    let counted = OpenConnection::new(open);
    let spawned =
        thread::Builder::new()
            .stack_size(STACK_SIZE)
            .spawn(move || {
                serve_connection(stream, peer);
                drop(counted);
            });
    match spawned {
        // Detached: the thread ends by itself when its client leaves.
        Ok(_handle) => {}
        // `spawn` dropped the closure, and with it `stream` (the client sees
        // the connection close) and `counted`.
        Err(e) => eprintln!("spawn for {peer}: {e}; dropping the connection"),
    }
}
// ANCHOR_END: spawn_connection

// ANCHOR: open_connection
/// One open connection in a shared count, for as long as it lives.
struct OpenConnection(Arc<AtomicU64>);

impl OpenConnection {
    fn new(open: &Arc<AtomicU64>) -> Self {
        open.fetch_add(1, Ordering::Relaxed);
        OpenConnection(Arc::clone(open))
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
// ANCHOR_END: open_connection

// ANCHOR: serve
/// Serves every connection on its own thread until `stop` is set, refusing
/// connections beyond [`thread_cap`].
pub fn serve(listener: &TcpListener, stop: &AtomicBool) -> io::Result<()> {
    serve_at_most(listener, stop, thread_cap()?)
}

/// Serves at most `cap` connections at a time, each on its own thread.
pub fn serve_at_most(
    listener: &TcpListener,
    stop: &AtomicBool,
    cap: u64,
) -> io::Result<()> {
    let open = Arc::new(AtomicU64::new(0));
    let mut refusing = false;
    accept_loop(listener, stop, |stream, peer| {
        let at_cap = open.load(Ordering::Relaxed) >= cap;
        if at_cap && !refusing {
            eprintln!(
                "{cap} connections open, the most allowed; refusing more"
            );
        }
        refusing = at_cap;
        if !at_cap {
            spawn_connection(stream, peer, &open);
        } // else `stream` is dropped: the client sees the connection close
    })
}
// ANCHOR_END: serve

/// Runs [`serve`] on a background thread of this process.
pub fn spawn(listener: TcpListener) -> io::Result<ServerHandle> {
    ServerHandle::spawn(listener, serve)
}
