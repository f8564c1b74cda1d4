//! The exercises' solutions: a bounded pool that turns clients away, and
//! idle timeouts that free a pool's workers.

use std::io::Read;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use ch03_thread_per_connection::accept::ServerHandle;
use ch03_thread_per_connection::client::{PATIENCE, connect, round_trip};
use ch03_thread_per_connection::exercises::{bounded_pool, idle_timeout};

#[test]
fn a_full_bounded_pool_turns_clients_away() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let server = ServerHandle::spawn(listener, |listener, stop| {
        bounded_pool::serve(listener, stop, 1, 1)
    })
    .unwrap();
    // One client holds the worker, the next waits in the queue...
    let mut working = connect(server.addr(), PATIENCE).unwrap();
    round_trip(&mut working, b"hi").unwrap();
    let queued = connect(server.addr(), PATIENCE).unwrap();
    // ...and the one after that is told the server is busy.
    let mut turned_away = connect(server.addr(), PATIENCE).unwrap();
    let mut reply = Vec::new();
    turned_away.read_to_end(&mut reply).unwrap();
    assert_eq!(reply, bounded_pool::BUSY);
    drop((working, queued));
}

#[test]
fn an_idle_timeout_frees_a_hostage_worker() {
    let idle = Duration::from_millis(200);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let server = ServerHandle::spawn(listener, move |listener, stop| {
        idle_timeout::serve(listener, stop, 1, idle)
    })
    .unwrap();
    let mut hostage_taker = connect(server.addr(), PATIENCE).unwrap();
    round_trip(&mut hostage_taker, b"hi").unwrap();

    let started = Instant::now();
    let mut next = connect(server.addr(), PATIENCE).unwrap();
    round_trip(&mut next, b"hello").unwrap();
    assert!(
        started.elapsed() >= idle / 2,
        "served before the idle client was dropped"
    );

    // The idle client's connection was closed by the server.
    let mut byte = [0u8; 1];
    assert_eq!(hostage_taker.read(&mut byte).unwrap(), 0);
}
