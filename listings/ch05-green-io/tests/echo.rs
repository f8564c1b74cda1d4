//! The green echo server under many concurrent clients.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use ch05_green_io::load::Load;
use ch05_green_io::measure::raise_fd_limit;
use ch05_green_io::net::TcpListener;
use ch05_green_io::{echo, run};

/// Starts the green echo server on its own OS thread; returns its address.
/// The thread serves until the test process exits.
fn start_server() -> SocketAddr {
    let (addr_tx, addr_rx) = mpsc::channel();
    thread::spawn(move || {
        run(move || {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
            addr_tx.send(listener.local_addr().expect("local addr")).expect("send addr");
            echo::serve(&listener)
        })
    });
    addr_rx.recv_timeout(Duration::from_secs(5)).expect("server started")
}

/// Also under qemu-user (aarch64 CI) this takes a few seconds at most.
const CLIENTS: usize = 1000;

#[test]
fn every_byte_of_a_thousand_concurrent_clients_comes_back() {
    raise_fd_limit().expect("raise RLIMIT_NOFILE");
    let addr = start_server();
    let summary = Load {
        addr,
        connections: CLIENTS,
        messages: 20,
        message_len: 512,
        hold: Duration::from_millis(200),
        timeout: Duration::from_secs(20),
    }
    .run()
    .expect("load run");
    assert_eq!(summary.messages, CLIENTS * 20);
    assert_eq!(summary.bytes, CLIENTS * 20 * 512);
}
